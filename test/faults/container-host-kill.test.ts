import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import { type DockerProviderConfig, LABELS } from '../../scaler/providers/docker-spec.ts';
import type { ProvisionedHost } from '../../scaler/providers/types.ts';
import { describeDocker, engineRunDir, TEST_LIMITS, testDocker } from '../support/docker.ts';
import { TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess, waitFor } from './support/gateway-process.ts';
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
    await waitFor(
      'the victim has requests in flight',
      () => load.now() >= RUN.faultAt && victim.inFlight().length >= 3,
      RUN.faultAt + 20_000,
    );
    // The host dies: the engine SIGKILLs its container, and every connection to it is reset at once.
    const crashAt = load.now();
    const killed = engine.containers.kill(victimContainer, 'SIGKILL');
    const inFlightAtCrash = await victim.crash();
    await killed;
    const { summary, outcomes, failed } = await load.done;

    const seenAnywhere = (seq: number) => relays.some((h) => h.seen.has(seq));
    const failedNotSent = failed.filter((s) => !seenAnywhere(s));
    const detail = JSON.stringify({
      failed: failed.length,
      inFlightAtCrash: inFlightAtCrash.length,
      kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
      notSent: failedNotSent.slice(0, 10),
      summary: { planned: summary.planned, sent: summary.sent, skipped: summary.skipped },
    });
    expect((await engine.containers.inspect(victimContainer)).state.running, detail).toBe(false);
    expect(summary.skipped, detail).toBe(0);
    expect(summary.sent, detail).toBe(summary.planned);
    expect(failedNotSent, detail).toEqual([]);
    expect(failed, detail).toEqual([...inFlightAtCrash].sort((a, b) => a - b));
    expect(
      failed.every((s) => outcomes.get(s)?.error === 'upstream_failed'),
      detail,
    ).toBe(true);
    const after = [...outcomes.values()].filter((o) => o.sentAt > crashAt);
    expect(after.length, detail).toBeGreaterThan(RUN.rps);
    expect(
      after.every((o) => o.status === 200),
      detail,
    ).toBe(true);
    await waitFor('the dead host is ejected', async () =>
      (await fleetOf(target.url)).hosts.some((h) => h.id === victim.address && !h.healthy),
    );
    const lastFailure = Math.max(crashAt, ...failed.map((s) => outcomes.get(s)?.doneAt ?? crashAt));
    reportRow({
      id: 'executor-container-sigkill',
      fault: 'executor container SIGKILLed by the engine mid-run',
      load: `${RUN.rps} req/s × ${RUN.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 container hosts`,
      sent: summary.sent,
      failed,
      reachedHost: seenAnywhere,
      recoverMs: Math.round(lastFailure - crashAt),
    });
  }, 120_000);
});
