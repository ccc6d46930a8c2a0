import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionRequest } from '../../load/request.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import type { Host, HostRegistry } from '../../registry/types.ts';
import { GATEWAY_SECRET, startTestGateway, type TestGateway } from '../gateway/harness.ts';
import { HELLO_ENTRYPOINT, HELLO_SOURCE, NODE_IMAGE, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { type PrometheusHandle, startPrometheus } from '../support/prometheus.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import {
  EXPLAIN_HEADERS,
  type ScalerProcess,
  startScaler,
  stopExecutorsOf,
  writeScalerFiles,
} from './scaler-process.ts';

const POOL = 'e2e';
/** Closed-loop clients, each holding one simulated 400 ms execution in flight at a time. */
const CLIENTS = 8;
const EXECUTION_MS = 400;
/** 8 in flight ÷ 2 per host → 4 hosts wanted (max 4); the test needs at least 3. */
const TARGET_PER_HOST = 2;

const POLICY = (prometheusUrl: string) => `
pool: ${POOL}
interval: 2s
hosts: { min: 1, max: 4 }
provider: { type: process, executors: 1 }
source: { prometheus: { url: ${JSON.stringify(prometheusUrl)}, timeout: 2s, maxAge: 30s } }
metrics:
  - name: inflight
    query: sum(fleetgate_gateway_inflight_requests)
    target: { type: averagePerHost, value: ${TARGET_PER_HOST} }
    onEmpty: hold
scaleUp: { stabilizationWindow: 0s, policies: [ { type: Hosts, value: 4, period: 2s } ] }
scaleDown: { stabilizationWindow: 6s, policies: [ { type: Percent, value: 100, period: 2s } ] }
panic: { enabled: false }
capacity: { bootTimeout: 60s }
drain: { timeout: 60s }
startup: { holdFor: 0s }
budget: { maxScaleEventsPerHour: 1000 }
`;

describe('end to end: process provider, Redis, Prometheus, a gateway, load', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let gateway: TestGateway;
  let prometheus: PrometheusHandle;
  let scaler: ScalerProcess | undefined;
  let dir: string;
  const seen = new Map<string, Host>();

  beforeAll(async () => {
    redis = await startRedis();
    registry = createRegistry({ type: 'redis', url: redis.url, reloadIntervalMs: 1000 });
    gateway = await startTestGateway({ registry, pool: POOL });
    prometheus = await startPrometheus({ targets: [gateway.url] });
    await prometheus.waitForTargets();
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-e2e-'));
    await writeScalerFiles(dir, {
      pool: POOL,
      redisUrl: redis.url,
      policy: POLICY(prometheus.url),
      leaseTtl: '3s',
      logLevel: 'info',
      config: [`gateway: { secret: ${GATEWAY_SECRET}, executorSecret: ${TEST_EXECUTOR_SECRET} }`],
    });
  });

  afterAll(async () => {
    await scaler?.proc.stop();
    if (registry)
      stopExecutorsOf([...seen.values(), ...(await registry.list(POOL).catch(() => ({ hosts: [] }))).hosts]);
    await gateway?.close();
    await registry?.close();
    await prometheus?.stop();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('grows from 1 to at least 3 hosts under load, spreads traffic to them, and shrinks back with zero failed requests', async () => {
    const active = async () => {
      const hosts = (await registry.list(POOL)).hosts;
      for (const h of hosts) seen.set(h.id, h);
      return hosts.filter((h) => h.state === 'active');
    };
    scaler = await startScaler(join(dir, 'config.yaml'), [
      '--executor-arg=--mode',
      '--executor-arg=simulated',
      '--executor-arg=--sim-cold-start',
      '--executor-arg=10',
      '--executor-arg=--sim-concurrency',
      '--executor-arg=64',
    ]);
    await waitFor(
      'one active host (the provider seeds executors: 1)',
      async () => (await active()).length === 1,
      60_000,
    );
    const first = (await active())[0]!.id;
    await waitFor('the gateway to route to it', async () => gateway.gateway.fleet.hosts.length === 1, 20_000);

    // Load: closed-loop clients over 16 runtimes, until the fleet has grown and every host served.
    const build = executionRequest({
      secret: GATEWAY_SECRET,
      image: NODE_IMAGE,
      source: HELLO_SOURCE,
      entrypoint: HELLO_ENTRYPOINT,
      timeoutSeconds: 30,
    });
    const agent = new Agent({ connections: CLIENTS * 2 });
    const servedBy = new Map<string, number>();
    const failures: string[] = [];
    let sent = 0;
    let loading = true;
    let maxActive = 1;
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; loading; i++) {
        const req = build({ at: 0, runtimeId: `e2e-${(c * 5 + i) % 16}`, durationMs: EXECUTION_MS });
        sent++;
        try {
          const res = await request(`${gateway.url}${req.path}`, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            dispatcher: agent,
          });
          const text = await res.body.text();
          if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text.slice(0, 200)}`);
          const host = String(res.headers['x-fleetgate-host']);
          servedBy.set(host, (servedBy.get(host) ?? 0) + 1);
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    try {
      await waitFor(
        'at least 3 active hosts, each of which served at least 5 requests',
        async () => {
          const hosts = await active();
          maxActive = Math.max(maxActive, hosts.length);
          return hosts.length >= 3 && hosts.every((h) => (servedBy.get(h.id) ?? 0) >= 5);
        },
        60_000,
      );
    } finally {
      loading = false;
      await Promise.all(clients);
      await agent.close();
    }
    expect(maxActive).toBeGreaterThanOrEqual(3);
    expect([...servedBy.keys()].filter((h) => seen.has(h)).length).toBeGreaterThanOrEqual(3);
    expect(servedBy.has(first)).toBe(true);

    // No load: the fleet drains back to the minimum of one host.
    await waitFor(
      'the fleet back at 1 host',
      async () => (await registry.list(POOL)).hosts.length === 1,
      90_000,
    );
    const remaining = (await registry.list(POOL)).hosts[0]?.id;
    const removed = [...seen.keys()].filter((id) => id !== remaining);
    expect(removed.length).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(0);

    // The decisions were recorded and are served by explain: starts, drains and removals.
    await waitFor(
      'explain to show the removals',
      async () => {
        const explain = (await (
          await fetch(`${scaler!.url}/explain?pool=${POOL}&limit=500`, { headers: EXPLAIN_HEADERS })
        ).json()) as {
          records: { outcomes: { action: string; ok: boolean; skipped?: boolean }[] }[];
        };
        const done = new Set(
          explain.records.flatMap((r) => r.outcomes.filter((o) => o.ok && !o.skipped).map((o) => o.action)),
        );
        return done.has('start') && done.has('drain') && done.has('remove');
      },
      20_000,
    );
  }, 240_000);
});
