import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDocker, engineRunDir, TEST_LIMITS, testDocker } from '../../test/support/docker.ts';
import { startTestSwarm, type TestSwarm } from '../../test/support/docker-swarm.ts';
import {
  engineProviderConfig,
  engineProviders,
  expectCreateFails,
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

const provider = engineProviders(createSwarmProvider, config, SECRET);

describeDocker('swarm host provider', docker, (engine) => {
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
    swarm = await startTestSwarm(engine, [TEST_FLEETGATE_IMAGE]);
  }, 600_000);
  afterAll(async () => {
    for (const note of (await swarm?.stop()) ?? []) console.log(`[swarm] ${note}`);
  }, 120_000);

  describeProviderContract('swarm', async () => {
    return { provider: provider('contract', {}, true), destroyStopsHost: true, cleanup: async () => {} };
  });

  describe('one service per host, limits, recovery and bad input', () => {
    const pool = 'swarm-faults';
    const leftovers = async () => swarm!.client.swarm.listServices({ [LABELS.pool]: pool });
    afterAll(async () => {
      for (const s of (await leftovers().catch(() => [])) ?? [])
        await swarm!.client.swarm.removeService(s.id);
    });

    it('runs each host as its own labelled one-replica service with the limits; destroying one removes only its task', async () => {
      const hosts = provider(pool);
      const [a, b] = await Promise.all([
        hosts.create({ inUse: new Set() }),
        hosts.create({ inUse: new Set() }),
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
      await hosts.destroy(a!);
      await expect(client.swarm.inspectService(service.id)).rejects.toMatchObject({ status: 404 });
      const res = await fetch(`${b!.url}/v1/health`);
      expect(res.status).toBe(200);
      await hosts.destroy(b!);
      await hosts.close();
    });

    it('a new provider (a restarted scaler) finds the hosts by label, checks and removes them', async () => {
      await expectRestartedScalerFindsHost(() => provider(pool), leftovers);
    });

    it('names a missing image with the swarm reason and leaves no service', async () => {
      await expectCreateFails(
        provider(pool, { image: 'local/no-such-executor:1' }),
        /image local\/no-such-executor:1\): its task (rejected|failed)/,
        leftovers,
      );
    });

    it('names an executor that cannot bind its port (taken), with its log, and leaves no service', async () => {
      await expectTakenPortFails(
        (command) => provider(pool, { command }),
        /its task failed before the executor answered.*EADDRINUSE/s,
        leftovers,
      );
    });

    it('says when the engine is not a swarm manager', async () => {
      await expectCreateFails(
        provider(pool, { socket: docker.available ? docker.socketPath : '/nonexistent' }),
        'is not a swarm manager (run `docker swarm init` on it first)',
      );
    });
  });
});

describe('swarm host provider, engine down', () => {
  it('names the socket nobody answers on', async () => {
    await expectCreateFails(
      provider('no-engine', { socket: '/nonexistent/docker.sock' }),
      'the Docker swarm manager at /nonexistent/docker.sock does not answer',
    );
  });
});
