import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import { type DockerProviderConfig, LABELS } from '../../scaler/providers/docker-spec.ts';
import type { ProvisionedHost } from '../../scaler/providers/types.ts';
import { describeDocker, engineRunDir, TEST_LIMITS, testDocker } from '../support/docker.ts';
import { TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';
import { startFaultLoad } from './support/fault-load.ts';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { expectOnlyInFlightFailed, untilVictimBusy } from './support/host-kill.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

// The executor-kill fault with executor hosts that are containers (the scaler's docker provider, the
// Fleetgate image): the engine SIGKILLs one mid-run. The gateway must fail over every request that had
// not reached the dead host, exactly as it does for executor processes.
const docker = await testDocker();
const RUN = { rps: 60, durationMs: 10_000, faultAt: 4_000 };
const EXEC_MS = 300;
const POOL = 'fault-container-kill';

function config(): DockerProviderConfig {
  return providerSchema.parse({
    type: 'docker',
    image: TEST_FLEETGATE_IMAGE,
    command: ['executor', '--bind', '127.0.0.1', '--mode', 'simulated', '--sim-cold-start', '20'],
    socket: docker.available ? docker.socketPath : '/nonexistent',
    memory: `${TEST_LIMITS.memoryBytes}b`,
    cpus: TEST_LIMITS.cpus,
    pids: TEST_LIMITS.pids,
    readyTimeout: '60s',
    stopTimeout: '5s',
  }) as DockerProviderConfig;
}

describeDocker('an executor container SIGKILLed by the engine mid-run', docker, (engine) => {
  const provider = createDockerProvider({
    pool: POOL,
    config: config(),
    executorSecret: TEST_EXECUTOR_SECRET,
    logger: silentLogger(),
    stopOnClose: true,
  });
  let containers: ProvisionedHost[] = [];
  let relays: RecordingHost[] = [];
  let gw: GatewayProcess | undefined;

  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
    const inUse = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const host = await provider.create({ inUse });
      inUse.add(host.id);
      containers.push(host);
    }
    relays = await Promise.all(containers.map((h) => startRecordingHost(Number(new URL(h.url).port))));
    gw = await startGatewayProcess({ executors: relays.map((r) => r.address) });
  }, 600_000);

  afterAll(async () => {
    await gw?.stop();
    await Promise.all(relays.map((r) => r.close()));
    await provider.close();
    for (const c of await engine.containers.list({ [LABELS.pool]: POOL })) {
      await engine.containers.remove(c.id, { force: true });
    }
    containers = [];
  });

  it('fails exactly the requests in flight on the dead container; none that had not reached it', async () => {
    const target = gw!;
    const victim = relays[1]!;
    const victimContainer = containers[1]!.labels.container!;
    const load = startFaultLoad({
      target: target.url,
      rps: RUN.rps,
      durationMs: RUN.durationMs,
      execTimeMs: EXEC_MS,
    });
    await untilVictimBusy(load, victim, RUN);
    // The host dies: the engine SIGKILLs its container, and every connection to it is reset at once.
    const crashAt = load.now();
    const killed = engine.containers.kill(victimContainer, 'SIGKILL');
    const inFlightAtCrash = await victim.crash();
    await killed;
    await expectOnlyInFlightFailed({
      load,
      hosts: relays,
      victim,
      gatewayUrl: target.url,
      run: RUN,
      crashAt,
      inFlightAtCrash,
      row: {
        id: 'executor-container-sigkill',
        fault: 'executor container SIGKILLed by the engine mid-run',
        load: `${RUN.rps} req/s × ${RUN.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 container hosts`,
      },
      also: async (detail) => {
        expect((await engine.containers.inspect(victimContainer)).state.running, detail).toBe(false);
      },
    });
  }, 120_000);
});
