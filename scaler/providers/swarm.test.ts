import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { describeDocker, engineRunDir, TEST_LIMITS, testDocker } from '../../test/support/docker.ts';
import { startTestSwarm, type TestSwarm } from '../../test/support/docker-swarm.ts';
import {
  engineProviderConfig,
  expectRestartedScalerFindsHost,
  expectTakenPortFails,
} from '../../test/support/engine-provider.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { describeProviderContract } from './contract.ts';
import { LABELS } from './docker-spec.ts';
import { createSwarmProvider } from './swarm.ts';
import type { SwarmProviderConfig } from './swarm-spec.ts';

// The swarm provider against a real one-node swarm: a dockerd of its own (swarm state must not reach
// the run's shared engine), with the Fleetgate image built on the shared engine and copied in.
const docker = await testDocker();
const SECRET = 'swarm-provider-secret';
let swarm: TestSwarm | undefined;

function config(overrides: Record<string, unknown> = {}): SwarmProviderConfig {
  return engineProviderConfig('swarm', swarm?.socketPath ?? '/nonexistent', '60s', overrides);
}

describeDocker('swarm host provider', docker, (engine) => {
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
    swarm = await startTestSwarm(engine, [TEST_FLEETGATE_IMAGE]);
  }, 600_000);
  afterAll(async () => {
    for (const note of (await swarm?.stop()) ?? []) console.log(`[swarm] ${note}`);
  }, 120_000);

  describeProviderContract('swarm', async () => {
    const provider = createSwarmProvider({
      pool: 'contract',
      config: config(),
      executorSecret: SECRET,
      logger: silentLogger(),
      stopOnClose: true,
    });
    return { provider, destroyStopsHost: true, cleanup: async () => {} };
  });

  describe('one service per host, limits, recovery and bad input', () => {
    const pool = 'swarm-faults';
    const leftovers = async () => swarm!.client.swarm.listServices({ [LABELS.pool]: pool });
    afterAll(async () => {
      for (const s of (await leftovers().catch(() => [])) ?? [])
        await swarm!.client.swarm.removeService(s.id);
    });

    it('runs each host as its own labelled one-replica service with the limits; destroying one removes only its task', async () => {
      const provider = createSwarmProvider({
        pool,
        config: config(),
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      const [a, b] = await Promise.all([
        provider.create({ inUse: new Set() }),
        provider.create({ inUse: new Set() }),
      ]);
      const client = swarm!.client;
      const service = await client.swarm.inspectService(a!.labels.service!);
      expect(service.labels).toMatchObject({
        [LABELS.pool]: pool,
        [LABELS.host]: a!.id,
        [LABELS.provider]: 'swarm',
      });
      const [task] = (await client.swarm.tasks(service.id)).filter((t) => t.state === 'running');
      const info = await client.containers.inspect(task!.containerId);
      expect(info.limits).toEqual({
        memoryBytes: TEST_LIMITS.memoryBytes,
        cpus: TEST_LIMITS.cpus,
        pids: TEST_LIMITS.pids,
      });
      // The scaler drained `a`: removing it stops a's executor, and b keeps answering.
      await provider.destroy(a!);
      await expect(client.swarm.inspectService(service.id)).rejects.toMatchObject({ status: 404 });
      const res = await fetch(`${b!.url}/v1/health`);
      expect(res.status).toBe(200);
      await provider.destroy(b!);
      await provider.close();
    });

    it('a new provider (a restarted scaler) finds the hosts by label, checks and removes them', async () => {
      const newProvider = () =>
        createSwarmProvider({ pool, config: config(), executorSecret: SECRET, logger: silentLogger() });
      await expectRestartedScalerFindsHost(newProvider, leftovers);
    });

    it('names a missing image with the swarm reason and leaves no service', async () => {
      const provider = createSwarmProvider({
        pool,
        config: config({ image: 'local/no-such-executor:1' }),
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
        code: 'PROVIDER_CREATE_FAILED',
        message: expect.stringMatching(/image local\/no-such-executor:1\): its task (rejected|failed)/),
      });
      expect(await leftovers()).toEqual([]);
      await provider.close();
    });

    it('names an executor that cannot bind its port (taken), with its log, and leaves no service', async () => {
      const newProvider = (command: string[]) =>
        createSwarmProvider({
          pool,
          config: config({ command }),
          executorSecret: SECRET,
          logger: silentLogger(),
        });
      await expectTakenPortFails(
        newProvider,
        /its task failed before the executor answered.*EADDRINUSE/s,
        leftovers,
      );
    });

    it('says when the engine is not a swarm manager', async () => {
      const provider = createSwarmProvider({
        pool,
        config: { ...config(), socket: docker.available ? docker.socketPath : '/nonexistent' },
        executorSecret: SECRET,
        logger: silentLogger(),
      });
      await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
        code: 'PROVIDER_CREATE_FAILED',
        message: expect.stringContaining('is not a swarm manager (run `docker swarm init` on it first)'),
      });
      await provider.close();
    });
  });
});

describe('swarm host provider, engine down', () => {
  it('names the socket nobody answers on', async () => {
    const provider = createSwarmProvider({
      pool: 'no-engine',
      config: config({ socket: '/nonexistent/docker.sock' }),
      executorSecret: SECRET,
      logger: silentLogger(),
    });
    await expect(provider.create({ inUse: new Set() })).rejects.toMatchObject({
      code: 'PROVIDER_CREATE_FAILED',
      message: expect.stringContaining(
        'the Docker swarm manager at /nonexistent/docker.sock does not answer',
      ),
    });
    await provider.close();
  });
});
