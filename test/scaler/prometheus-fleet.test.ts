import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.ts';
import { executionRequest } from '../../load/request.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { createGatewaySource } from '../../scaler/sources/gateway.ts';
import { createPrometheusSource } from '../../scaler/sources/prometheus.ts';
import type { MetricReading, MetricSource } from '../../scaler/sources/types.ts';
import { GATEWAY_SECRET, startTestGateway, type TestGateway } from '../gateway/harness.ts';
import {
  type ExecutorFleet,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  startExecutors,
} from '../support/executors.ts';
import { type PrometheusHandle, startPrometheus } from '../support/prometheus.ts';
import { waitFor } from '../support/wait.ts';

const POOL = 'promfleet';
const IN_FLIGHT = 6;

const is = (value: number) => (r: MetricReading) => r.ok && r.value === value;

// The metric sources against the real thing: a real prometheus scraping a real gateway and two
// real (simulated-runtime) executor processes while requests are in flight through the gateway.
describe('metric sources on a real fleet scraped by a real prometheus', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gateway: TestGateway;
  let prometheus: PrometheusHandle;
  let prom: MetricSource;
  let scrape: MetricSource;

  beforeAll(async () => {
    fleet = await startExecutors(2, { mode: 'simulated', idPrefix: 'pf', args: ['--sim-cold-start', '10'] });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts) await registry.register(POOL, { id: h.id, url: h.url, state: 'active' });
    gateway = await startTestGateway({ registry, pool: POOL });
    prometheus = await startPrometheus({ targets: [gateway.url, ...fleet.hosts.map((h) => h.url)] });
    await prometheus.waitForTargets();
    prom = createPrometheusSource({
      url: prometheus.url,
      timeoutMs: 5000,
      clock: systemClock,
      maxAgeMs: 60_000,
    });
    scrape = createGatewaySource({ urls: [gateway.url], timeoutMs: 5000, clock: systemClock });
  });

  afterAll(async () => {
    await prom?.close();
    await scrape?.close();
    await gateway?.close();
    await prometheus?.stop();
    await fleet?.stop();
  });

  it('reads the in-flight requests the gateway and the executors report, from prometheus and by scraping alike', async () => {
    const build = executionRequest({
      secret: GATEWAY_SECRET,
      image: NODE_IMAGE,
      source: HELLO_SOURCE,
      entrypoint: HELLO_ENTRYPOINT,
      timeoutSeconds: 60,
    });
    const agent = new Agent({ connections: IN_FLIGHT * 2 });
    // Warm the runtimes first so every later request is one execution held for its duration.
    const send = (i: number, durationMs: number) => {
      const req = build({ at: 0, runtimeId: `pf-${i}`, durationMs });
      return request(`${gateway.url}${req.path}`, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
      }).then(async (res) => {
        await res.body.dump();
        return res.statusCode;
      });
    };
    expect(await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => send(i, 0)))).toEqual(
      Array(IN_FLIGHT).fill(200),
    );

    const held = Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => send(i, 8000)));
    try {
      await waitFor(
        'prometheus to see 6 requests in flight at the gateway',
        async () => is(IN_FLIGHT)(await prom.read('sum(fleetgate_gateway_inflight_requests)')),
        30_000,
      );
      // The same aggregate computed in process from the gateway's own /metrics.
      expect(await scrape.read('sum(fleetgate_gateway_inflight_requests)')).toEqual({
        ok: true,
        value: IN_FLIGHT,
      });
      await waitFor(
        'prometheus to see 6 executions in flight on the executors',
        async () => is(IN_FLIGHT)(await prom.read('sum(fleetgate_executor_inflight_executions)')),
        30_000,
      );
      // Per host, for drains and victim selection: every host id the gateway routes to.
      const byHost = await prom.readVector('sum by (host) (fleetgate_gateway_inflight_requests)');
      expect(byHost.ok && byHost.series.reduce((s, x) => s + x.value, 0)).toBe(IN_FLIGHT);
      expect(byHost.ok && byHost.series.every((s) => fleet.hosts.some((h) => h.id === s.labels.host))).toBe(
        true,
      );
      // One series per executor is not one number.
      expect(await prom.read('fleetgate_executor_inflight_executions')).toMatchObject({
        ok: false,
        reason: 'severalSeries',
      });
    } finally {
      expect(await held).toEqual(Array(IN_FLIGHT).fill(200));
      await agent.close();
    }
    // Zero in flight is a valid zero, not "no data".
    await waitFor(
      'prometheus to see nothing in flight',
      async () => is(0)(await prom.read('sum(fleetgate_gateway_inflight_requests)')),
      30_000,
    );
  }, 120_000);

  it('gives "empty", not zero, for an executor that stopped being scraped', async () => {
    const gone = fleet.hosts[1]!;
    const query = `sum(fleetgate_executor_inflight_executions{instance="${new URL(gone.url).host}"})`;
    expect((await prom.read(query)).ok).toBe(true);
    await fleet.kill(1);
    // Prometheus marks the dead target's series stale on the next failed scrape.
    await waitFor(
      'the stopped executor to read as empty',
      async () => {
        const r = await prom.read(query);
        return !r.ok && r.reason === 'empty';
      },
      30_000,
    );
  }, 60_000);
});
