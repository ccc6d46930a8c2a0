import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { type MetricsServer, startMetricsServer } from '../../test/support/metrics-server.ts';
import { createGatewaySource } from './gateway.ts';
import type { NoDataReason } from './types.ts';

const clock = { now: () => Date.now() };

describe('gateway source (scrapes /metrics and aggregates in process)', () => {
  let g1: MetricsServer;
  let g2: MetricsServer;
  let garbage: ReturnType<typeof createServer>;
  let garbageUrl: string;

  beforeAll(async () => {
    g1 = await startMetricsServer();
    g2 = await startMetricsServer();
    for (const [server, values] of [
      [g1, { a: 2, b: 1 }],
      [g2, { a: 3 }],
    ] as const) {
      const gauge = new Gauge({
        name: 'fleetgate_gateway_inflight_requests',
        help: 'in flight',
        labelNames: ['host'],
        registers: [server.registry],
      });
      for (const [host, v] of Object.entries(values)) gauge.set({ host }, v);
    }
    new Gauge({ name: 'weird', help: 'nan', registers: [g1.registry] }).set(Number.NaN);
    garbage = createServer((_req, res) => res.end('this is { not exposition'));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await g1?.close();
    await g2?.close();
    await new Promise<void>((r) => garbage?.close(() => r()));
  });

  it.each([
    ['a sum over every gateway', 'sum(fleetgate_gateway_inflight_requests)', 6],
    ['a sum for one host across gateways', 'sum(fleetgate_gateway_inflight_requests{host="a"})', 5],
    ['a max', 'max(fleetgate_gateway_inflight_requests)', 3],
    ['a count', 'count(fleetgate_gateway_inflight_requests)', 3],
  ])('reads %s', async (_name, query, value) => {
    const source = createGatewaySource({ urls: [g1.url, `${g2.url}/metrics`], timeoutMs: 2000, clock });
    expect(await source.read(query)).toEqual({ ok: true, value });
    await source.close();
  });

  it('reads a vector by host', async () => {
    const source = createGatewaySource({ urls: [g1.url, g2.url], timeoutMs: 2000, clock });
    const reading = await source.readVector('sum by (host) (fleetgate_gateway_inflight_requests)');
    expect(reading.ok && Object.fromEntries(reading.series.map((s) => [s.labels.host, s.value]))).toEqual({
      a: 5,
      b: 1,
    });
    await source.close();
  });

  it.each<[string, () => string[], string, NoDataReason]>([
    ['an empty result', () => [g1.url], 'sum(fleetgate_gateway_inflight_requests{host="z"})', 'empty'],
    [
      'one series per gateway',
      () => [g1.url, g2.url],
      'fleetgate_gateway_inflight_requests{host="a"}',
      'severalSeries',
    ],
    ['a NaN', () => [g1.url], 'weird', 'notFinite'],
    ['an unsupported query', () => [g1.url], 'rate(x[1m])', 'unsupportedQuery'],
    [
      'a gateway answering garbage',
      () => [g1.url, garbageUrl],
      'sum(fleetgate_gateway_inflight_requests)',
      'badResponse',
    ],
    ['a 404 metrics path', () => [`${g1.url}/nope`], 'sum(x)', 'httpError'],
  ])('treats %s as no data', async (_name, urls, query, reason) => {
    const source = createGatewaySource({ urls: urls(), timeoutMs: 2000, clock });
    expect(await source.read(query)).toMatchObject({ ok: false, reason });
    await source.close();
  });

  it('treats one unreachable gateway as no data rather than a smaller sum', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const source = createGatewaySource({ urls: [g1.url, dead], timeoutMs: 2000, clock });
    const reading = await source.read('sum(fleetgate_gateway_inflight_requests)');
    expect(reading).toMatchObject({ ok: false, reason: 'unreachable' });
    await source.close();
  });

  it('rejects an empty gateway list at creation', () => {
    expect(() => createGatewaySource({ urls: [], timeoutMs: 1000, clock })).toThrow('source.gateway.urls');
  });
});
