import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../metrics/gateway.ts';
import { Fleet, type HostEntry } from './fleet.ts';
import type { HealthPolicy } from './health.ts';
import { HealthChecker } from './health-checker.ts';
import { PlacementMap } from './placement.ts';

/** What the fake executor answers on `GET /v1/health`: a status and body, or no answer at all. */
type Answer = { status: number; body: string } | 'hang';

const OK: Answer = { status: 200, body: 'OK' };
const DOWN: Answer = { status: 503, body: '{"message":"down"}' };
const LEGACY: Answer = {
  status: 200,
  body: JSON.stringify({ status: 'pass', usage: 42.5, runtimes: { 'rt-a': {}, 'rt-b': {} } }),
};

const POLICY: HealthPolicy = { ejectAfter: 2, interval: 1_000, backoffMin: 500, backoffMax: 2_000 };

// One fake executor whose /v1/health answer each test sets; the checker runs on a manual clock and is
// driven by checkNow() (start() is never called), so nothing here depends on real time but the probe
// timeout of the 'hang' case.
describe('HealthChecker (fake clock, local fake executor)', () => {
  let server: Server;
  let url: string;
  let answer: Answer = OK;
  let probes = 0;
  let clock: ManualClock;
  let fleet: Fleet;
  let metrics: GatewayMetrics;
  let promRegistry: Registry;
  let placement: PlacementMap;
  let checker: HealthChecker;
  let host: HostEntry;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/v1/health') {
        res.writeHead(404).end();
        return;
      }
      probes += 1;
      if (answer === 'hang') return; // never answers; the probe times out
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    answer = OK;
    probes = 0;
    clock = new ManualClock(1_000_000);
    fleet = new Fleet({
      logger: silentLogger(),
      now: () => clock.now(),
      health: POLICY,
      pool: { connectTimeout: 2_000, keepAliveTimeout: 1_000 },
    });
    fleet.apply([{ id: 'h1', url, state: 'active', weight: 1, source: 'registry' }]);
    host = fleet.byId.get('h1')!;
    promRegistry = new Registry();
    metrics = createGatewayMetrics(promRegistry);
    placement = new PlacementMap(100);
    checker = new HealthChecker({
      fleet,
      clock,
      logger: silentLogger(),
      metrics,
      placement,
      policy: POLICY,
      timeout: 300,
    });
  });

  afterEach(async () => {
    checker.stop();
    await fleet.close();
  });

  const counter = async (name: string) => {
    const m = await promRegistry.getSingleMetric(name)?.get();
    return m?.values.find((v) => v.labels.host === 'h1')?.value ?? 0;
  };

  it('probes a new host at once, then only when the interval has passed', async () => {
    await checker.checkNow();
    expect(probes).toBe(1);
    expect(host.health.lastOkAt).toBe(clock.now());
    await checker.checkNow();
    expect(probes).toBe(1);
    clock.advance(POLICY.interval - 1);
    await checker.checkNow();
    expect(probes).toBe(1);
    clock.advance(1);
    await checker.checkNow();
    expect(probes).toBe(2);
    await checker.checkNow(true);
    expect(probes).toBe(3);
  });

  it.each<[string, Answer, string]>([
    ['a 503', DOWN, 'health answered 503'],
    ['a 200 that is neither OK nor the legacy JSON', { status: 200, body: '<html>' }, 'health answered 200'],
    [
      'a legacy JSON whose status is not pass',
      { status: 200, body: '{"status":"fail"}' },
      'health answered 200',
    ],
    ['no answer within the probe timeout', 'hang', 'health probe failed: timeout'],
  ])('ejects after ejectAfter failed probes: %s', async (_name, bad, reason) => {
    answer = bad;
    await checker.checkNow();
    expect(host.healthy).toBe(true);
    expect(host.health.consecutiveFailures).toBe(1);
    clock.advance(POLICY.interval);
    await checker.checkNow();
    expect(host.healthy).toBe(false);
    expect(host.health.lastError).toBe(reason);
    expect(await counter('fleetgate_gateway_ejections_total')).toBe(1);
    expect(await counter('fleetgate_gateway_readmissions_total')).toBe(0);
  });

  it('probes an ejected host with a doubling backoff up to the maximum, and readmits it on the first success', async () => {
    answer = DOWN;
    await checker.checkNow();
    clock.advance(POLICY.interval);
    await checker.checkNow();
    expect(host.healthy).toBe(false);
    const probeTimes: number[] = [];
    const start = clock.now();
    // Walk the clock in 100 ms steps and note when a probe actually went out.
    for (let t = 0; t <= 6_000; t += 100) {
      const before = probes;
      await checker.checkNow();
      if (probes > before) probeTimes.push(clock.now() - start);
      clock.advance(100);
    }
    // Backoff 500 after the ejection, then 1000, 2000, and capped at 2000.
    expect(probeTimes).toEqual([500, 1_500, 3_500, 5_500]);
    expect(host.healthy).toBe(false);
    expect(await counter('fleetgate_gateway_ejections_total')).toBe(1);

    answer = OK;
    clock.advance(2_000);
    await checker.checkNow();
    expect(host.healthy).toBe(true);
    expect(host.health.consecutiveFailures).toBe(0);
    expect(await counter('fleetgate_gateway_readmissions_total')).toBe(1);
    // Back on the normal interval.
    const before = probes;
    clock.advance(POLICY.interval - 1);
    await checker.checkNow();
    expect(probes).toBe(before);
  });

  it('reads usage and warm runtimes from the legacy JSON shape', async () => {
    placement.markWarm('rt-old', 'h1');
    answer = LEGACY;
    await checker.checkNow();
    expect(host.healthy).toBe(true);
    expect(host.usage).toBe(42.5);
    expect(placement.isWarm('rt-a', 'h1')).toBe(true);
    expect(placement.isWarm('rt-b', 'h1')).toBe(true);
    expect(placement.isWarm('rt-old', 'h1')).toBe(false);
  });

  it('counts passive failures from real requests toward ejection, and a real success resets the count', async () => {
    checker.passiveFailure(host, 'connect ECONNREFUSED');
    checker.passiveSuccess(host);
    expect(host.health.consecutiveFailures).toBe(0);
    checker.passiveFailure(host, 'connect ECONNREFUSED');
    expect(host.healthy).toBe(true);
    expect(fleet.load.eligible).toBe(1);
    checker.passiveFailure(host, 'timeout');
    expect(host.healthy).toBe(false);
    expect(host.health.lastError).toBe('timeout');
    expect(await counter('fleetgate_gateway_ejections_total')).toBe(1);
    // The pick's kept counts follow the ejection and the readmission.
    expect(fleet.load.eligible).toBe(0);
    // A real request that succeeds readmits the host without waiting for a probe.
    checker.passiveSuccess(host);
    expect(host.healthy).toBe(true);
    expect(fleet.load.eligible).toBe(1);
    expect(await counter('fleetgate_gateway_readmissions_total')).toBe(1);
  });

  it('drops the outcome of a probe for a host that left the fleet meanwhile', async () => {
    answer = DOWN;
    const probe = checker.checkNow();
    fleet.apply([]);
    await probe;
    expect(host.health.consecutiveFailures).toBe(0);
    expect(host.health.lastError).toBeUndefined();
  });

  it('never probes the same host twice at once', async () => {
    answer = 'hang';
    const first = checker.checkNow();
    await checker.checkNow(true);
    await first;
    expect(probes).toBe(1);
  });
});
