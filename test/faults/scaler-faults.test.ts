import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { Host, HostRegistry } from '../../registry/types.ts';
import type { TickRecord } from '../../scaler/loop/record.ts';
import {
  EXPLAIN_HEADERS,
  type ScalerProcess,
  startScaler,
  writeScalerFiles,
} from '../scaler/scaler-process.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { type PrometheusHandle, startPrometheus } from '../support/prometheus.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { RecordingHost } from './support/recording-host.ts';

const POOL = 'default';
const LEASE_MS = 3_000;
// Prometheus down for a minute in the long version, 10 s in npm test.
const OUTAGE_MS = LONG ? 60_000 : 10_000;
const RPS = 100;
/** Tick reasons that mean the metric could not be read. */
const NO_DATA = new Set<string>(['MetricNoData', 'Fallback']);
const EXEC_MS = 400;

async function explain(s: ScalerProcess, limit = 200): Promise<TickRecord[]> {
  const res = await fetch(`${s.url}/explain?pool=${POOL}&limit=${limit}`, {
    headers: EXPLAIN_HEADERS,
    signal: AbortSignal.timeout(5_000),
  });
  return ((await res.json()) as { records: TickRecord[] }).records;
}

/** Host ids present in one fleet key (`fleetKey`) and not the other, or in another state. */
function symmetricDifference(a: string, b: string): string[] {
  const entries = (key: string) => new Set(key === '' ? [] : key.split(','));
  const [x, y] = [entries(a), entries(b)];
  const idOf = (entry: string) => entry.slice(0, entry.lastIndexOf(':'));
  return [
    ...new Set(
      [...x]
        .filter((e) => !y.has(e))
        .concat([...y].filter((e) => !x.has(e)))
        .map(idOf),
    ),
  ];
}

const fleetKey = (hosts: Host[]) =>
  hosts
    .map((h) => `${h.id}:${h.state}`)
    .sort()
    .join(',');

// A real Prometheus scrapes a real gateway; the scaler (static provider over four executors) scales
// on the gateway's in-flight requests. Prometheus sits behind a relay on a fixed port, so it can be
// taken away and brought back at the same URL.
describe('scaler faults under load', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let gw: GatewayProcess;
  let prometheus: PrometheusHandle;
  let relay: RecordingHost;
  let dir: string;
  const scalers: ScalerProcess[] = [];

  beforeAll(async () => {
    // AOF on, like production: the host list survives the Redis restart of the outage test.
    redis = await startRedis({ persist: true });
    registry = createRegistry({ type: 'redis', url: redis.url });
    fleet = await startExecutors(4, {
      mode: 'simulated',
      idPrefix: 'scl',
      args: ['--sim-cold-start', '20', '--sim-concurrency', '64'],
    });
    gw = await startGatewayProcess({ redisUrl: redis.url, logLevel: 'warn', waitReady: false });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${gw.port}`] });
    relay = new RecordingHost(Number(new URL(prometheus.url).port));
    await relay.listen();
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-scaler-faults-'));
    await writeScalerFiles(dir, {
      pool: POOL,
      redisUrl: redis.url,
      policy: [
        `pool: ${POOL}`,
        'interval: 1s',
        'hosts: { min: 1, max: 4 }',
        `provider: { type: static, hosts: ${JSON.stringify(fleet.hosts.map((h) => h.url))} }`,
        `source: { prometheus: { url: "http://${relay.address}", timeout: 1s } }`,
        'metrics:',
        '  - { name: inflight, query: sum(fleetgate_gateway_inflight_requests), target: { type: averagePerHost, value: 16 }, onEmpty: hold }',
        // No scale-down stabilization: a scaler that took a missing metric for zero would drain at once.
        'scaleDown: { stabilizationWindow: 0s, policies: [{ type: Percent, value: 100, period: 1s }] }',
        'startup: { holdFor: 0s }',
        'drain: { select: leastInflight, timeout: 30s }',
      ],
      leaseTtl: `${LEASE_MS}ms`,
    });
    scalers.push(await startScaler(join(dir, 'config.yaml')));
    await waitFor('the scaler to lead', async () => (await scalers[0]!.isLeader(POOL)) === true, 30_000);
    await waitFor(
      'a first host',
      async () => (await registry.list(POOL)).hosts.some((h) => h.state === 'active'),
      30_000,
    );
  });

  afterAll(async () => {
    for (const s of scalers) await s.proc.kill();
    await gw?.stop();
    await relay?.close();
    await prometheus?.stop();
    await registry?.close();
    await fleet?.stop();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Waits until the fleet has been the same, with nothing booting or draining, for `forMs`. */
  async function settled(forMs: number): Promise<string> {
    let last = '';
    let since = Date.now();
    await waitFor(
      'a settled fleet',
      async () => {
        const hosts = (await registry.list(POOL)).hosts;
        const key = fleetKey(hosts);
        if (key !== last || hosts.some((h) => h.state !== 'active')) {
          last = key;
          since = Date.now();
          return false;
        }
        return Date.now() - since >= forMs;
      },
      90_000,
    );
    return last;
  }

  it(
    'Prometheus down: the scaler holds (no scale-down, no drain) and resumes when it is back',
    async () => {
      const load = startFaultLoad({
        target: gw.url,
        rps: RPS,
        durationMs: OUTAGE_MS + 60_000,
        execTimeMs: EXEC_MS,
        runtimes: 100,
        prefix: 'prom',
      });
      // Demand ≈ 100 req/s × 0.4 s = 40 in flight → ceil(40 / 16) = 3 hosts.
      await waitFor(
        'scaled up for the load',
        async () => (await registry.list(POOL)).hosts.length >= 2,
        60_000,
      );
      const before = await settled(3_000);
      const downAt = Date.now();
      await relay.crash();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const during = fleetKey((await registry.list(POOL)).hosts);
      const records = (await explain(scalers[0]!)).filter((r) => r.time >= downAt + 1_500);
      await relay.listen(relay.port);
      const upAt = Date.now();
      // Recovered: a tick with valid data again after the outage.
      await waitFor('a tick with data after the outage', async () =>
        (await explain(scalers[0]!, 20)).some((r) => r.time > upAt && !NO_DATA.has(r.reason)),
      );
      const recoverMs = Date.now() - upAt;
      load.stop();
      const { summary, failed, outcomes } = await load.done;
      const detail = JSON.stringify({
        before,
        during,
        reasons: tally(records.map((r) => r.reason)),
        kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
      });
      expect(during, detail).toBe(before);
      // The scaler kept ticking through the outage, saw no data, and never planned a drain or a start.
      expect(
        records.some((r) => NO_DATA.has(r.reason)),
        detail,
      ).toBe(true);
      expect(records.length, detail).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 1000) - 3);
      expect(
        records.every((r) => r.outcomes.every((o) => o.action !== 'drain' && o.action !== 'start')),
        detail,
      ).toBe(true);
      expect(failed, detail).toEqual([]);
      reportRow({
        id: 'prometheus-down',
        fault: `Prometheus down ${OUTAGE_MS / 1000} s (scaler holds)`,
        load: `${RPS} req/s, ${EXEC_MS} ms executions, scaler on sum(in-flight), 4 static hosts`,
        sent: summary.sent,
        failed,
        recoverMs,
      });
    },
    OUTAGE_MS + 180_000,
  );

  it('Redis SIGKILLed and restarted: the scaler takes no action while it is down, gateways keep routing, both recover', async () => {
    const outageMs = LONG ? 30_000 : 5_000;
    const load = startFaultLoad({
      target: gw.url,
      rps: RPS,
      durationMs: outageMs + 60_000,
      execTimeMs: EXEC_MS,
      runtimes: 100,
      prefix: 'rds',
    });
    await waitFor('load running', () => load.now() > 2_000, 30_000);
    const before = await settled(3_000);
    const downAt = Date.now();
    await redis.kill();
    await new Promise((r) => setTimeout(r, outageMs));
    const records = (await explain(scalers[0]!)).filter((r) => r.time >= downAt + 1_500);
    await redis.restart();
    const upAt = Date.now();
    await waitFor(
      'a leader tick with a decision after Redis is back',
      async () =>
        (await explain(scalers[0]!, 20)).some(
          (r) => r.time > upAt && r.leader && r.reason !== 'RegistryUnavailable',
        ),
      60_000,
    );
    const recoverMs = Date.now() - upAt;
    const after = fleetKey((await registry.list(POOL)).hosts);
    // Hosts that changed across the outage: each must be the work of a leader decision made after
    // Redis was back (the load may rightly move the fleet then), none of a tick while it was down.
    const actedOnAfter = new Set(
      (await explain(scalers[0]!))
        .filter((r) => r.time > upAt && r.leader)
        .flatMap((r) => r.outcomes.filter((o) => o.ok && !o.skipped).map((o) => o.hostId)),
    );
    const changed = symmetricDifference(before, after);
    load.stop();
    const { summary, failed, outcomes } = await load.done;
    const detail = JSON.stringify({
      before,
      after,
      changed,
      actedOnAfter: [...actedOnAfter],
      reasons: tally(records.map((r) => r.reason)),
      kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
    });
    // While Redis was down every tick said so and did nothing (each waits out the registry's 2 s call bound).
    expect(records.length, detail).toBeGreaterThanOrEqual(1);
    expect(
      records.every((r) => r.reason === 'RegistryUnavailable' || r.reason === 'TickFailed'),
      detail,
    ).toBe(true);
    expect(
      records.every((r) => r.outcomes.every((o) => o.skipped || !o.ok)),
      detail,
    ).toBe(true);
    expect(
      changed.filter((id) => !actedOnAfter.has(id)),
      detail,
    ).toEqual([]);
    expect(failed, detail).toEqual([]);
    reportRow({
      id: 'redis-sigkill-scaler',
      fault: `Redis SIGKILLed, down ${outageMs / 1000} s, restarted (AOF), with a scaler`,
      load: `${RPS} req/s, ${EXEC_MS} ms executions, scaler on sum(in-flight), 4 static hosts`,
      sent: summary.sent,
      failed,
      recoverMs,
    });
  }, 240_000);

  it('scaler leader SIGKILLed: the follower takes over within one lease; no duplicate hosts', async () => {
    const b = await startScaler(join(dir, 'config.yaml'));
    scalers.push(b);
    const a = scalers[0]!;
    expect(await b.isLeader(POOL)).toBe(false);
    const load = startFaultLoad({
      target: gw.url,
      rps: RPS,
      durationMs: 60_000,
      execTimeMs: EXEC_MS,
      runtimes: 100,
      prefix: 'lead',
    });
    await waitFor('load running', () => load.now() > 3_000, 30_000);
    const killedAt = Date.now();
    await a.proc.kill();
    await waitFor('the follower to lead', async () => (await b.isLeader(POOL)) === true, 30_000);
    const tookOverMs = Date.now() - killedAt;
    // The new leader acts: it ticks as leader and the fleet stays coherent.
    await waitFor(
      'a leader tick from the follower',
      async () => (await explain(b, 10)).some((r) => r.leader && r.time > killedAt),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    load.stop();
    const { summary, failed, outcomes } = await load.done;
    const hosts = (await registry.list(POOL)).hosts;
    const detail = JSON.stringify({
      tookOverMs,
      hosts: hosts.map((h) => `${h.id} ${h.url} ${h.state}`),
      kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
    });
    // Within one lease, plus one renewal period (lease/3) and slack for a noisy machine.
    expect(tookOverMs, detail).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 5_000);
    expect(new Set(hosts.map((h) => h.url)).size, detail).toBe(hosts.length);
    expect(hosts.length, detail).toBeLessThanOrEqual(4);
    expect(failed, detail).toEqual([]);
    reportRow({
      id: 'scaler-leader-sigkill',
      fault: `scaler leader SIGKILLed (lease ${LEASE_MS / 1000} s)`,
      load: `${RPS} req/s, ${EXEC_MS} ms executions, 2 scalers, 4 static hosts`,
      sent: summary.sent,
      failed,
      recoverMs: tookOverMs,
    });
  }, 180_000);
});
