import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';
import { describeDocker, engineRunDir, TEST_LIMITS, testDocker } from '../../test/support/docker.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { providerSchema } from '../policy/shell-schema.ts';
import { describeProviderContract } from './contract.ts';
import { createDockerProvider } from './docker.ts';
import { type DockerProviderConfig, LABELS } from './docker-spec.ts';

// The docker provider against the run's real engine, with the Fleetgate image built from the Dockerfile.
const docker = await testDocker();
const SECRET = 'docker-provider-secret';

function config(overrides: Record<string, unknown> = {}): DockerProviderConfig {
  return providerSchema.parse({
    type: 'docker',
    image: TEST_FLEETGATE_IMAGE,
    command: ['executor', '--bind', '127.0.0.1'],
    socket: docker.available ? docker.socketPath : '/nonexistent',
    memory: `${TEST_LIMITS.memoryBytes}b`,
    cpus: TEST_LIMITS.cpus,
    pids: TEST_LIMITS.pids,
    readyTimeout: '30s',
    stopTimeout: '10s',
    ...overrides,
  }) as DockerProviderConfig;
}

describeDocker('docker host provider', docker, (engine) => {
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
  }, 600_000);

  describeProviderContract('docker', async () => {
    const provider = createDockerProvider({
      pool: 'contract',
      config: config(),
      executorSecret: SECRET,
      logger: silentLogger(),
      stopOnClose: true,
    });
    return { provider, destroyStopsHost: true, cleanup: async () => {} };
  });

  describe('limits, labels, recovery and bad input', () => {
    const pool = 'docker-faults';
    const leftovers = async () => engine.containers.list({ [LABELS.pool]: pool });
    afterAll(async () => {
      for (const c of await leftovers()) await engine.containers.remove(c.id, { force: true });
    });

    it('labels the container, and a new provider (a restarted scaler) finds, checks and removes it', async () => {
      const first = createDockerProvider({
        pool,
        config: config(),
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      const host = await first.create({ inUse: new Set() });
      await first.close();
      const info = await engine.containers.inspect(host.labels.container!);
      expect(info.labels).toMatchObject({
        [LABELS.pool]: pool,
        [LABELS.host]: host.id,
        [LABELS.provider]: 'docker',
      });
      // A scaler restarted: a fresh provider knows the host from its labels alone.
      const second = createDockerProvider({
        pool,
        config: config(),
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      const found = await second.listHosts();
      expect(found.map((h) => [h.id, h.url, h.running])).toEqual([[host.id, host.url, true]]);
      expect(await second.exists?.(host)).toBe(true);
      await second.destroy(found[0]!);
      expect(await second.exists?.(host)).toBe(false);
      expect(await leftovers()).toEqual([]);
      await second.close();
    });

    it('names a missing image and leaves no container', async () => {
      const provider = createDockerProvider({
        pool,
        config: config({ image: 'local/no-such-executor:1' }),
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
        code: 'PROVIDER_CREATE_FAILED',
        message: expect.stringContaining('image "local/no-such-executor:1" is not on the Docker engine'),
      });
      expect(await leftovers()).toEqual([]);
      await provider.close();
    });

    it('names an executor that cannot bind its port (taken), with its log, and leaves no container', async () => {
      const taken: Server = createServer();
      const port = await freePort();
      await new Promise<void>((r) => taken.listen(port, '127.0.0.1', r));
      try {
        const provider = createDockerProvider({
          pool,
          config: config({ command: ['executor', '--bind', '127.0.0.1', '--port', String(port)] }),
          executorSecret: SECRET,
          logger: silentLogger(),
        });
        await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
          code: 'PROVIDER_CREATE_FAILED',
          message: expect.stringMatching(/exited with code \d+ before its executor answered.*EADDRINUSE/s),
        });
        expect(await leftovers()).toEqual([]);
        await provider.close();
      } finally {
        taken.close();
      }
    });
  });
});

describe('docker host provider, engine down', () => {
  it('names the socket nobody answers on', async () => {
    const provider = createDockerProvider({
      pool: 'no-engine',
      config: config({ socket: '/nonexistent/docker.sock' }),
      executorSecret: SECRET,
      logger: silentLogger(),
    });
    await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
      code: 'PROVIDER_CREATE_FAILED',
      message: expect.stringContaining('the Docker engine at /nonexistent/docker.sock does not answer'),
    });
    await provider.close();
  });
});
