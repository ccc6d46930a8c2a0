import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { type MetricsServer, startMetricsServer } from '../../test/support/metrics-server.ts';
import { type PrometheusHandle, startPrometheus } from '../../test/support/prometheus.ts';
import { waitFor } from '../../test/support/wait.ts';
import { createPrometheusSource, parseResponse } from './prometheus.ts';
import type { MetricSource, NoDataReason } from './types.ts';

const wall = { now: () => Date.now() };

describe('prometheus source against a real prometheus', () => {
  let prom: PrometheusHandle;
  let target: MetricsServer;
  const sources: MetricSource[] = [];
  const source = (extra: Partial<Parameters<typeof createPrometheusSource>[0]> = {}) => {
    const s = createPrometheusSource({ url: prom.url, timeoutMs: 5000, clock: wall, ...extra });
    sources.push(s);
    return s;
  };

  beforeAll(async () => {
    target = await startMetricsServer();
    const inflight = new Gauge({
      name: 'test_inflight_requests',
      help: 'in flight',
      labelNames: ['host'],
      registers: [target.registry],
    });
    inflight.set({ host: 'a' }, 3);
    inflight.set({ host: 'b' }, 4);
    new Gauge({ name: 'test_nan', help: 'nan', registers: [target.registry] }).set(Number.NaN);
    new Gauge({ name: 'test_inf', help: 'inf', registers: [target.registry] }).set(Number.POSITIVE_INFINITY);
    prom = await startPrometheus({ targets: [target.target] });
    await prom.waitForTargets();
    await waitFor(
      'test series in prometheus',
      async () => (await prom.query('test_inflight_requests')).data?.result.length === 2,
      30_000,
    );
  });

  afterAll(async () => {
    for (const s of sources) await s.close();
    await prom?.stop();
    await target?.close();
  });

  it.each(['GET', 'POST'] as const)('reads an aggregate as one number (%s)', async (method) => {
    expect(await source({ method }).read('sum(test_inflight_requests)')).toEqual({ ok: true, value: 7 });
  });

  it('reads a range query as the peak of each step (the forecast history)', async () => {
    const step = 1000;
    let points: { t: number; value: number }[] = [];
    await waitFor(
      'three steps of history',
      async () => {
        const now = Date.now();
        const got = await source().readRange!('sum(test_inflight_requests)', now - 10_000, now, step);
        points = got.ok ? got.points : [];
        return points.length >= 3;
      },
      30_000,
    );
    for (const p of points) expect(p.value).toBe(7);
    for (let i = 1; i < points.length; i++) expect(points[i]!.t - points[i - 1]!.t).toBe(step);
    expect(
      await source().readRange!('test_inflight_requests', Date.now() - 5000, Date.now(), step),
    ).toMatchObject({
      ok: false,
      reason: 'severalSeries',
    });
  });

  it('reads a vector query one series per host', async () => {
    const reading = await source().readVector('sum by (host) (test_inflight_requests)');
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    const byHost = Object.fromEntries(reading.series.map((s) => [s.labels.host, s.value]));
    expect(byHost).toEqual({ a: 3, b: 4 });
  });

  it.each<[string, string, NoDataReason]>([
    ['an empty result', 'test_inflight_requests{host="nope"}', 'empty'],
    ['several series', 'test_inflight_requests', 'severalSeries'],
    ['a NaN sample', 'test_nan', 'notFinite'],
    ['an +Inf sample', 'test_inf', 'notFinite'],
    ['a -Inf scalar', '-1/0', 'notFinite'],
    ['a PromQL error', 'sum(', 'queryError'],
    ['a string result', '"text"', 'badResponse'],
  ])('treats %s as no data, never zero', async (_name, query, reason) => {
    const reading = await source().read(query);
    expect(reading).toMatchObject({ ok: false, reason });
  });

  it('treats an error status (wrong path prefix) as httpError', async () => {
    const reading = await source({ url: `${prom.url}/no-such-prefix` }).read('up');
    expect(reading).toMatchObject({ ok: false, reason: 'httpError' });
  });

  it('treats a sample older than the staleness bound as stale', async () => {
    // The scaler's clock runs ten minutes ahead of Prometheus's evaluation time.
    const ahead = { now: () => Date.now() + 600_000 };
    const reading = await source({ clock: ahead, maxAgeMs: 60_000 }).read('sum(test_inflight_requests)');
    expect(reading).toMatchObject({ ok: false, reason: 'stale' });
    expect(await source({ maxAgeMs: 60_000 }).read('sum(test_inflight_requests)')).toEqual({
      ok: true,
      value: 7,
    });
  });
});

describe('prometheus source transport and auth', () => {
  it('treats a refused connection as unreachable', async () => {
    const port = await freePort();
    const s = createPrometheusSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000, clock: wall });
    expect(await s.read('up')).toMatchObject({ ok: false, reason: 'unreachable' });
    await s.close();
  });

  it('treats a server that never answers as a timeout', async () => {
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const s = createPrometheusSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 300, clock: wall });
    expect(await s.read('up')).toMatchObject({ ok: false, reason: 'timeout' });
    await s.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it.each([
    ['bearer', { bearerTokenEnv: 'T_TOKEN' }, 'Bearer s3cret'],
    ['basic', { usernameEnv: 'T_USER', passwordEnv: 'T_PASS' }, `Basic ${btoa('u:p')}`],
  ] as const)('sends %s credentials read from the environment', async (_n, auth, header) => {
    let seen: IncomingHttpHeaders = {};
    const server = createServer((req, res) => {
      seen = req.headers;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'scalar', result: [Date.now() / 1000, '2'] },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const env = { T_TOKEN: 's3cret', T_USER: 'u', T_PASS: 'p' };
    const s = createPrometheusSource({
      url: `http://127.0.0.1:${port}`,
      timeoutMs: 2000,
      clock: wall,
      auth,
      env,
    });
    expect(await s.read('vector(2)')).toEqual({ ok: true, value: 2 });
    expect(seen.authorization).toBe(header);
    await s.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('parseResponse', () => {
  it.each<[string, number, string, NoDataReason]>([
    ['a 503 with text', 503, 'Service Unavailable', 'httpError'],
    ['HTML with 200', 200, '<html>', 'badResponse'],
    [
      'a matrix',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }),
      'badResponse',
    ],
    [
      'a malformed sample',
      200,
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'x'] }] },
      }),
      'badResponse',
    ],
    [
      'an error body with 422',
      422,
      JSON.stringify({ status: 'error', errorType: 'execution', error: 'boom' }),
      'queryError',
    ],
  ])('%s → %s', (_n, status, text, reason) => {
    expect(parseResponse(status, text)).toMatchObject({ ok: false, reason });
  });
});
