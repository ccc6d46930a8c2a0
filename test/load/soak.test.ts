import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type FaultLoadResult, startFaultLoad, tally } from '../faults/support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess } from '../faults/support/gateway-process.ts';
import { LONG } from '../faults/support/long.ts';
import { type RecordingHost, startRecordingHost } from '../faults/support/recording-host.ts';
import { fdCount, rssMiB } from '../fuzz/support/proc-stats.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { recordReliability } from '../support/reliability.ts';
import { waitFor } from '../support/wait.ts';

// Short (npm test): 30 s at 150 req/s, a fleet change every 5 s. Long (npm run test:long): 10 min at
// 200 req/s, a change every 30 s.
const RUN = LONG
  ? { rps: 200, durationMs: 600_000, changeEveryMs: 30_000, windowMs: 60_000 }
  : { rps: 150, durationMs: 30_000, changeEveryMs: 5_000, windowMs: 5_000 };
const EXEC_MS = 100;
const POOL = 'default';

interface Window {
  fromS: number;
  requests: number;
  p50: number;
  p99: number;
}

function windows(result: FaultLoadResult, windowMs: number): Window[] {
  const byWindow = new Map<number, number[]>();
  for (const o of result.outcomes.values()) {
    if (o.doneAt === undefined) continue;
    const w = Math.floor(o.sentAt / windowMs);
    byWindow.set(w, [...(byWindow.get(w) ?? []), o.doneAt - o.sentAt]);
  }
  return [...byWindow.entries()]
    .sort(([a], [b]) => a - b)
    .map(([w, xs]) => {
      xs.sort((a, b) => a - b);
      const q = (p: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!);
      return { fromS: (w * windowMs) / 1000, requests: xs.length, p50: q(0.5), p99: q(0.99) };
    });
}

// Five executors behind recording hosts; three active at a time. While the load runs, the fleet
// changes the way a scaler changes it: a host is added, or the oldest is drained (no new work, wait
// for its requests to finish) and then deregistered.
describe('soak: sustained load on a gateway with a slowly changing fleet', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let gw: GatewayProcess;

  beforeAll(async () => {
    redis = await startRedis();
    fleet = await startExecutors(5, {
      mode: 'simulated',
      idPrefix: 'soak',
      args: ['--sim-cold-start', '20', '--sim-concurrency', '64'],
    });
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    registry = createRegistry({ type: 'redis', url: redis.url });
    for (const h of hosts.slice(0, 3))
      await registry.register(POOL, { id: h.address, url: `http://${h.address}` });
    gw = await startGatewayProcess({ redisUrl: redis.url, logLevel: 'warn' });
  });

  afterAll(async () => {
    await gw?.stop();
    await registry?.close();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
    await redis?.stop();
  });

  it(
    'serves every request with zero errors and bounded memory while hosts come and go; records latency per window',
    async () => {
      const load = startFaultLoad({
        target: gw.url,
        rps: RUN.rps,
        durationMs: RUN.durationMs,
        execTimeMs: EXEC_MS,
        runtimes: 200,
        prefix: 'soak',
      });
      await waitFor('warm-up', () => load.now() >= 2_000, 20_000);
      const rssStart = rssMiB(gw.pid);
      const fdStart = fdCount(gw.pid);
      const active = hosts.slice(0, 3);
      const idle = hosts.slice(3);
      const changes: string[] = [];
      let next = RUN.changeEveryMs;
      while (next < RUN.durationMs - RUN.changeEveryMs / 2) {
        await waitFor('the next fleet change', () => load.now() >= next, RUN.changeEveryMs + 30_000);
        next += RUN.changeEveryMs;
        if (active.length <= 3 && idle.length > 0) {
          const h = idle.shift()!;
          await registry.register(POOL, { id: h.address, url: `http://${h.address}`, state: 'active' });
          active.push(h);
          changes.push(`+${h.address}`);
        } else {
          const h = active.shift()!;
          await registry.setState(POOL, h.address, 'draining');
          await waitFor('the gateway sees the drain', async () =>
            (await fleetOf(gw.url)).hosts.some((x) => x.id === h.address && x.state === 'draining'),
          );
          await waitFor('the drained host idle', () => h.inFlight().length === 0, 30_000);
          await registry.deregister(POOL, h.address);
          idle.push(h);
          changes.push(`-${h.address}`);
        }
      }
      const result = await load.done;
      const rssEnd = rssMiB(gw.pid);
      const fdEnd = fdCount(gw.pid);
      const ws = windows(result, RUN.windowMs);
      const { summary, failed, outcomes } = result;
      const figures = {
        sent: summary.sent,
        ok: summary.ok,
        errors: summary.errors,
        throughput: Math.round(summary.throughput),
        p50: Math.round(summary.latencyMs.p50 ?? 0),
        p99: Math.round(summary.latencyMs.p99 ?? 0),
        rssStartMiB: Math.round(rssStart),
        rssEndMiB: Math.round(rssEnd),
        fdStart,
        fdEnd,
        changes: changes.length,
        windows: ws,
      };
      recordReliability({
        id: 'soak',
        kind: 'soak',
        title: `Soak: ${RUN.rps} req/s of ${EXEC_MS} ms executions over 200 runtimes for ${RUN.durationMs / 1000} s, 5 executors (3 active), a fleet change every ${RUN.changeEveryMs / 1000} s`,
        figures,
      });
      const detail = JSON.stringify({
        kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
        figures,
        changes,
      });
      expect(summary.skipped, detail).toBe(0);
      expect(summary.sent, detail).toBe(summary.planned);
      expect(failed, detail).toEqual([]);
      expect(summary.ok, detail).toBe(summary.sent);
      expect(changes.length, detail).toBeGreaterThanOrEqual(4);
      // Latency is recorded, not judged here (speed belongs in benchmarks), but every window of the run
      // served requests, and each took at least the execution time: the figures describe real work.
      // (A request the timer sent a little past the end forms a short last window of its own.)
      for (let from = 0; from < RUN.durationMs; from += RUN.windowMs) {
        expect(ws.find((w) => w.fromS === from / 1000)?.requests ?? 0, detail).toBeGreaterThan(0);
      }
      for (const w of ws) expect(w.p50, detail).toBeGreaterThanOrEqual(EXEC_MS);
      // Every host that was active at some point served requests.
      expect(hosts.filter((h) => h.answered.size > 0).length, detail).toBe(5);
      // Memory: bounded (a per-request leak at this rate would add far more). Not a speed assertion.
      expect(rssEnd - rssStart, detail).toBeLessThan(LONG ? 200 : 100);
    },
    RUN.durationMs + 120_000,
  );
});
