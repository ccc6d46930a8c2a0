import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

const POOL = 'default';
const EXEC_MS = 200;

// Three executors behind recording hosts, registered in a real Redis (AOF on, like production) that
// a `fleetgate gateway` process watches; a fourth executor joins during the Redis test.
describe('registry faults under load', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let gw: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedis({ persist: true });
    fleet = await startExecutors(4, { mode: 'simulated', idPrefix: 'reg', args: ['--sim-cold-start', '20'] });
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    registry = createRegistry({ type: 'redis', url: redis.url, reloadIntervalMs: 1_000 });
    for (const h of hosts.slice(0, 3))
      await registry.register(POOL, { id: h.address, url: `http://${h.address}` });
    gw = await startGatewayProcess({ redisUrl: redis.url });
    await waitFor('three hosts in the gateway', async () => (await fleetOf(gw.url)).hosts.length === 3);
  });

  afterAll(async () => {
    await gw?.stop();
    await registry?.close();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
    await redis?.stop();
  });

  const run = LONG
    ? { rps: 150, durationMs: 60_000, faultAt: 10_000, outageMs: 30_000 }
    : { rps: 100, durationMs: 10_000, faultAt: 2_000, outageMs: 3_000 };

  it(
    'Redis SIGKILLed and restarted: the gateway routes on its last view, then follows changes again without a restart',
    async () => {
      const load = startFaultLoad({
        target: gw.url,
        rps: run.rps,
        durationMs: run.durationMs,
        execTimeMs: EXEC_MS,
        prefix: 'redis',
      });
      await waitFor('load running', () => load.now() >= run.faultAt, run.faultAt + 20_000);
      await redis.kill();
      const killedAt = load.now();
      // It notices, and stays ready within gateway.registryGrace (60 s): it routes on its last view.
      await waitFor('the gateway notices Redis is gone', async () => {
        const res = await fetch(`${gw.url}/readyz`);
        return res.status === 200 && ((await res.json()) as { registry: string }).registry === 'unreachable';
      });
      await new Promise((r) => setTimeout(r, Math.max(0, run.outageMs - (load.now() - killedAt))));
      await redis.restart();
      const restartedAt = load.now();
      // Recovered when the gateway is ready again and sees a host registered after the outage.
      // (This test's own registry client reconnects with backoff too: retry until it is back.)
      await waitFor('the registry client reconnected', async () => {
        await registry.register(POOL, { id: hosts[3]!.address, url: `http://${hosts[3]!.address}` });
        return true;
      });
      await waitFor(
        'the gateway sees the new host',
        async () =>
          (await fleetOf(gw.url)).hosts.length === 4 && (await fetch(`${gw.url}/readyz`)).status === 200,
        30_000,
      );
      const recoverMs = load.now() - restartedAt;
      const { summary, outcomes, failed } = await load.done;
      const detail = JSON.stringify({
        kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
        gateway: gw.output().slice(-2000),
      });
      expect(summary.skipped, detail).toBe(0);
      expect(failed, detail).toEqual([]);
      // Served during the outage, on the last view.
      const during = [...outcomes.values()].filter((o) => o.sentAt > killedAt && o.sentAt < restartedAt);
      expect(during.length, detail).toBeGreaterThan(run.rps);
      expect(
        during.every((o) => o.status === 200),
        detail,
      ).toBe(true);
      reportRow({
        id: 'redis-sigkill',
        fault: `Redis SIGKILLed, down ${run.outageMs / 1000} s, restarted (AOF)`,
        load: `${run.rps} req/s × ${run.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 hosts`,
        sent: summary.sent,
        failed,
        reachedHost: (s) => hosts.some((h) => h.seen.has(s)),
        recoverMs: Math.round(recoverMs),
      });
    },
    run.durationMs + run.outageMs + 90_000,
  );

  it('a host drained during load: no request is cut off, and it gets no new work', async () => {
    const drainRun = LONG
      ? { rps: 150, durationMs: 60_000, faultAt: 20_000 }
      : { rps: 100, durationMs: 8_000, faultAt: 3_000 };
    const victim = hosts[0]!;
    const load = startFaultLoad({
      target: gw.url,
      rps: drainRun.rps,
      durationMs: drainRun.durationMs,
      execTimeMs: 500,
      prefix: 'drain',
    });
    await waitFor(
      'the victim busy',
      () => load.now() >= drainRun.faultAt && victim.inFlight().length > 0,
      drainRun.faultAt + 20_000,
    );
    const drainAt = load.now();
    await registry.setState(POOL, victim.address, 'draining');
    await waitFor('the gateway sees the drain', async () =>
      (await fleetOf(gw.url)).hosts.some((h) => h.id === victim.address && h.state === 'draining'),
    );
    const seenAt = load.now();
    // What the scaler does next: wait for the host's in-flight requests to finish, then remove it.
    await waitFor('the victim idle', () => victim.inFlight().length === 0, 30_000);
    await registry.deregister(POOL, victim.address);
    const { summary, outcomes, failed } = await load.done;
    // A request sent after the gateway showed the drain was picked after the gateway applied it, so
    // none of those may have reached the victim (runtimes already warm there included). Requests sent
    // before may still have been on their way to it: no timer guesses how long that takes.
    const sentAfterDrain = [...victim.seen].filter((s) => (outcomes.get(s)?.sentAt ?? 0) >= seenAt);
    const sentAfterTotal = [...outcomes.values()].filter((o) => o.sentAt >= seenAt).length;
    const detail = JSON.stringify({
      kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
      sentAfterDrain: sentAfterDrain.slice(0, 10),
      sentAfterTotal,
    });
    expect(summary.skipped, detail).toBe(0);
    expect(failed, detail).toEqual([]);
    expect(sentAfterTotal, detail).toBeGreaterThan(drainRun.rps); // the check had requests to look at
    expect(sentAfterDrain, detail).toEqual([]);
    expect(victim.unanswered(), detail).toEqual([]);
    reportRow({
      id: 'host-drained',
      fault: 'host drained, then deregistered, during load',
      load: `${drainRun.rps} req/s × ${drainRun.durationMs / 1000} s, 500 ms executions, 4 hosts`,
      sent: summary.sent,
      failed,
      reachedHost: (s) => hosts.some((h) => h.seen.has(s)),
      recoverMs: Math.round(seenAt - drainAt),
    });
  }, 120_000);
});
