import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntries, seriesNames } from '../../metrics/catalogue.ts';
import { waitFor } from '../support/wait.ts';
import {
  labelValuesQuery,
  PromApi,
  referencedMetrics,
  shippedDashboards,
  shippedRules,
  substitute,
} from './promql.ts';
import { execute, type ObservedStack, STACK_POOL, STACK_SECRET, send, startObservedStack } from './stack.ts';

/**
 * The real-data check of every dashboard panel and every rule: a gateway, a scaler and three
 * executors (CLI processes) under a little load, scraped every second by a real Prometheus running
 * the shipped prometheus.yml and rules. One executor is killed (connect errors, failovers, an
 * ejection) and started again (a readmission), and Redis is restarted (registry errors), so the
 * failure panels have data too. Then every panel query runs after Grafana-style variable substitution, and every
 * recording rule is read back.
 */

/** Grafana's variables as the test fills them: $__rate_interval ≥ 4 scrapes of 1 s. */
const RATE_INTERVAL = '10s';
const RESULTS = '.tmp/panel-series.json';

interface QueryResult {
  expr: string;
  series: number;
  error?: string;
}

let stack: ObservedStack | undefined;
/** The stack's processes' last log lines, for a wait that times out. */
const stackLogs = () => String(stack?.logs());
let api: PromApi;
let stopLoad: (() => Promise<void>) | undefined;

async function fleetHosts(): Promise<{ id: string; state: string; healthy: boolean }[]> {
  const res = await request(`${stack!.gatewayUrl}/v1/fleet`, {
    headers: { authorization: `Bearer ${STACK_SECRET}` },
  });
  const body = (await res.body.json()) as { hosts?: { id: string; state: string; healthy: boolean }[] };
  return body.hosts ?? [];
}

async function text(url: string): Promise<string> {
  const res = await request(url);
  return res.body.text();
}

/** Open-loop load: one execution every 200 ms (5/s) over six runtimes, plus one-off runtimes that go idle. */
function startLoad(gatewayUrl: string): () => Promise<void> {
  let stopped = false;
  let n = 0;
  const pending = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    if (stopped) return;
    n++;
    const runtime = n % 10 === 0 ? `once-${n}` : `rt-${n % 6}`;
    const p = execute(gatewayUrl, runtime).catch(() => 0);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, 200);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await Promise.all(pending);
  };
}

describe('dashboards and rules on real data (gateway, scaler, executors, Prometheus)', () => {
  beforeAll(async () => {
    stack = await startObservedStack();
    api = new PromApi(stack.prometheusUrl);
  }, 150_000);

  afterAll(async () => {
    await stopLoad?.();
    await stack?.stop();
  }, 60_000);

  it('every panel query and recording rule parses and returns series', async () => {
    const s = stack!;
    // The scaler registers the three static executors; the gateway sees them through Redis.
    await waitFor(
      'the gateway to route to three active hosts',
      async () => (await fleetHosts()).filter((h) => h.state === 'active' && h.healthy).length === 3,
      { timeoutMs: 40_000, intervalMs: 200, context: stackLogs },
    );
    stopLoad = startLoad(s.gatewayUrl);
    expect(await send(s.gatewayUrl, 'GET', '/v1/runtimes')).toBe(200); // no runtime key: p2c
    await new Promise((r) => setTimeout(r, 3_000));

    // Failures: executor 0 dies (connect errors, failovers, an ejection), then comes back on its
    // port (a readmission).
    const dead = s.executors.hosts[0]!;
    await s.executors.kill(0);
    // Requests sent before the health checks notice: new runtime keys spread over the ring, so
    // some pick the dead host first and fail over (connect errors, retries).
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => execute(s.gatewayUrl, `burst-${i}`).catch(() => 0)),
    );
    const healthOf = async (id: string) => (await fleetHosts()).find((h) => h.id === id)?.healthy;
    // The scaler registers static hosts under their host:port.
    const deadId = `127.0.0.1:${dead.port}`;
    await waitFor('the dead host to be ejected', async () => (await healthOf(deadId)) === false, {
      timeoutMs: 20_000,
      intervalMs: 200,
      context: stackLogs,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await s.restartExecutor(0);
    await waitFor('the restarted host to be readmitted', async () => (await healthOf(deadId)) === true, {
      timeoutMs: 30_000,
      intervalMs: 200,
      context: stackLogs,
    });
    // Redis goes away for a moment: scaler ticks fail (registry errors), gateways route on their view.
    await s.redis.kill();
    try {
      await waitFor(
        'a scaler registry error',
        async () =>
          /^fleetgate_scaler_registry_errors_total\{[^}]*\} [1-9]/m.test(
            await text(`${s.scalerUrl}/metrics`),
          ),
        20_000,
      );
    } finally {
      await s.redis.restart();
    }
    expect(
      await send(s.gatewayUrl, 'DELETE', '/v1/runtimes/rt-0', { 'x-opr-addressing-method': 'broadcast' }),
    ).toBeLessThan(600);

    // Poll until every panel returns series (or the deadline), then record the final counts.
    const vars = { pool: STACK_POOL, host: '.*', __rate_interval: RATE_INTERVAL };
    const dashboards = shippedDashboards();
    const evaluate = async () => {
      const out: Record<string, Record<string, QueryResult[]>> = {};
      for (const d of dashboards) {
        out[d.file] = {};
        for (const panel of d.panels) {
          out[d.file]![panel.title] = await Promise.all(
            panel.exprs.map(async (raw) => {
              const expr = substitute(raw, vars);
              try {
                return { expr, series: (await api.query(expr)).length };
              } catch (error) {
                return { expr, series: 0, error: (error as Error).message };
              }
            }),
          );
        }
      }
      return out;
    };
    const empty = (r: Record<string, Record<string, QueryResult[]>>) =>
      Object.entries(r).flatMap(([file, panels]) =>
        Object.entries(panels)
          .filter(([, qs]) => qs.some((q) => q.error) || qs.reduce((n, q) => n + q.series, 0) === 0)
          .map(([title]) => `${file}: ${title}`),
      );
    let results = await evaluate();
    const deadline = Date.now() + 45_000;
    while (empty(results).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      results = await evaluate();
    }
    await stopLoad();
    stopLoad = undefined;

    const rules = await Promise.all(
      shippedRules().map(async (r) => {
        try {
          return { ...r, series: (await api.query(r.record ?? r.expr)).length, error: undefined };
        } catch (error) {
          return { ...r, series: -1, error: (error as Error).message };
        }
      }),
    );
    // Each dashboard's variable queries, as Grafana runs them (label values of matching series).
    const variables: Record<string, Record<string, string[]>> = {};
    for (const d of dashboards) {
      variables[d.file] = {};
      for (const [name, query] of Object.entries(d.variables)) {
        const { match, label } = labelValuesQuery(substitute(query, vars));
        variables[d.file]![name] = await api.labelValues(label, match);
      }
    }
    mkdirSync('.tmp', { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          variables: { substituted: vars, values: variables },
          dashboards: results,
          recordingRules: Object.fromEntries(rules.filter((r) => r.record).map((r) => [r.record, r.series])),
          alertExpressions: Object.fromEntries(rules.filter((r) => r.alert).map((r) => [r.alert, r.series])),
        },
        null,
        2,
      )}\n`,
    );

    // Every panel parses and returns series.
    expect(empty(results), s.logs()).toEqual([]);
    // The variables find the pool and the three hosts on every board.
    expect(Object.keys(variables)).toHaveLength(3);
    for (const v of Object.values(variables)) {
      expect(v.pool).toContain(STACK_POOL);
      expect(v.host!.length).toBeGreaterThanOrEqual(3);
    }
    // Every recording rule returns series; every alert expression parses (an idle fleet fires none
    // or few, so their results may be empty).
    expect(rules.filter((r) => r.record && r.series < 1).map((r) => r.record)).toEqual([]);
    expect(rules.filter((r) => r.error).map((r) => `${r.alert ?? r.record}: ${r.error}`)).toEqual([]);
    // Prometheus evaluated every loaded rule without error.
    const loaded = (await api.rules()).flatMap((g) => g.rules);
    expect(loaded.length).toBe(rules.length);
    expect(loaded.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);

    // No panel or rule references a metric that Prometheus does not hold.
    const held = new Set(await api.names());
    const referenced = new Set([
      ...dashboards.flatMap((d) => d.panels.flatMap((p) => p.exprs.flatMap(referencedMetrics))),
      ...rules.flatMap((r) => referencedMetrics(r.expr)),
    ]);
    expect([...referenced].filter((m) => !held.has(m))).toEqual([]);
    // The scaler read its policy metric through the recording rule, and got a valid number.
    const valid = await api.query('fleetgate_scaler_metric_valid{metric="inflight"}');
    expect(valid.map((v) => v.value[1])).toEqual(['1']);
    // And every metric the processes declare reached Prometheus.
    const declared = catalogueEntries().flatMap((e) => seriesNames(e));
    const missing = declared.filter((m) => !held.has(m));
    expect(missing).toEqual([]);
  }, 240_000);
});
