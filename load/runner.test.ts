import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../lib/free-port.ts';
import { syntheticPlan } from './plan.ts';
import { executionRequest } from './request.ts';
import { runLoad } from './runner.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function serve(
  handler: Handler,
): Promise<{ url: string; received: Array<{ req: IncomingMessage; body: string }> }> {
  const received: Array<{ req: IncomingMessage; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      received.push({ req, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const request = executionRequest({
  secret: 'sekret',
  image: 'openruntimes/node:v5-22',
  source: '/functions/hello',
  entrypoint: 'index.mjs',
  timeoutSeconds: 15,
});

const plan = (n: number, runtimes = 4) =>
  syntheticPlan({ rps: 200, durationMs: (n * 1000) / 200, runtimes, zipf: 0, seed: 1, prefix: 'rt' });

describe('runLoad', () => {
  it('sends every planned execution with the contract headers and body, and reads the serving host', async () => {
    const { url, received } = await serve((req, res) => {
      const id = String(req.headers['x-opr-runtime-id']);
      res.setHeader('x-fleetgate-host', id === 'rt-0' ? 'exec-a' : 'exec-b');
      res.setHeader('content-type', 'application/json');
      res.end('{"statusCode":200}');
    });
    const summary = await runLoad({
      target: url,
      plan: plan(40),
      durationMs: 200,
      request,
      timeoutMs: 5_000,
      maxInFlight: 100,
    });

    expect(summary).toMatchObject({ planned: 40, sent: 40, completed: 40, ok: 40, errors: 0, skipped: 0 });
    expect(received).toHaveLength(40);
    const first = received[0]!;
    expect(first.req.method).toBe('POST');
    expect(first.req.url).toMatch(/^\/v1\/runtimes\/rt-[0-3]\/executions$/);
    expect(first.req.headers.authorization).toBe('Bearer sekret');
    expect(first.req.headers.accept).toBe('application/json');
    expect(JSON.parse(first.body)).toMatchObject({
      image: 'openruntimes/node:v5-22',
      source: '/functions/hello',
      entrypoint: 'index.mjs',
      timeout: 15,
    });
    const hosts = Object.fromEntries(summary.hosts.map((h) => [h.host, h]));
    expect(hosts['exec-a']!.requests + hosts['exec-b']!.requests).toBe(40);
    // Runtime rt-0 on exec-a and rt-1..3 on exec-b: one cold route per runtime.
    expect(summary.coldRoutes).toBe(4);
    expect(summary.latencyMs.p99).toBeGreaterThan(0);
  });

  it('uses the gateway cold header when asked to', async () => {
    let n = 0;
    const { url } = await serve((_req, res) => {
      res.setHeader('x-fleetgate-host', 'exec-a');
      res.setHeader('x-cold', n++ < 3 ? '1' : '0');
      res.end('ok');
    });
    const summary = await runLoad({
      target: url,
      plan: plan(10, 1),
      durationMs: 50,
      request,
      timeoutMs: 5_000,
      maxInFlight: 1,
      coldHeader: 'x-cold',
    });
    // maxInFlight 1 at 200 req/s against a fast server still sends most; cold = first three answered.
    expect(summary.coldSource).toBe('gateway');
    expect(summary.coldRoutes).toBe(Math.min(3, summary.completed));
  });

  it('counts HTTP errors by status and network errors by code', async () => {
    const { url } = await serve((req, res) => {
      res.statusCode = req.headers['x-opr-runtime-id'] === 'rt-0' ? 502 : 200;
      res.end();
    });
    const ok = await runLoad({
      target: url,
      plan: plan(20, 2),
      durationMs: 100,
      request,
      timeoutMs: 5_000,
      maxInFlight: 100,
    });
    expect(ok.errors).toBeGreaterThan(0);
    expect(ok.errorsByKind).toEqual({ http_502: ok.errors });
    expect(ok.ok + ok.errors).toBe(20);

    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = await runLoad({
      target: closed,
      plan: plan(5),
      durationMs: 25,
      request,
      timeoutMs: 5_000,
      maxInFlight: 100,
    });
    expect(refused).toMatchObject({ sent: 5, ok: 0, errors: 5, errorsByKind: { ECONNREFUSED: 5 } });
  });

  it('times out requests that never answer, and skips (never queues) past maxInFlight', async () => {
    const { url } = await serve(() => {
      // never answers
    });
    const summary = await runLoad({
      target: url,
      plan: plan(10),
      durationMs: 50,
      request,
      timeoutMs: 300,
      maxInFlight: 4,
    });
    expect(summary).toMatchObject({
      planned: 10,
      sent: 4,
      skipped: 6,
      errors: 4,
      errorsByKind: { timeout: 4 },
    });
  });

  it('abandons requests in flight only when told to', async () => {
    const { url } = await serve(() => {
      // never answers
    });
    const abandon = new AbortController();
    const summary = await runLoad({
      target: url,
      plan: plan(3),
      durationMs: 15,
      request,
      timeoutMs: 60_000,
      maxInFlight: 10,
      onProgress: (p) => {
        if (p.sent === 3) abandon.abort();
      },
      progressIntervalMs: 20,
      abandon: abandon.signal,
    });
    expect(summary).toMatchObject({ sent: 3, errors: 3, errorsByKind: { aborted: 3 } });
  });

  it('stops sending when aborted, lets requests in flight finish, and reports what it sent', async () => {
    const { url } = await serve((_req, res) => res.end());
    const abort = new AbortController();
    const summary = await runLoad({
      target: url,
      plan: syntheticPlan({ rps: 20, durationMs: 60_000, runtimes: 1, zipf: 0, seed: 1, prefix: 'rt' }),
      durationMs: 60_000,
      request,
      timeoutMs: 5_000,
      maxInFlight: 10,
      onProgress: (p) => {
        if (p.completed >= 3) abort.abort();
      },
      progressIntervalMs: 20,
      signal: abort.signal,
    });
    expect(summary.sent).toBeGreaterThanOrEqual(3);
    expect(summary.sent).toBeLessThan(1200);
    expect(summary.completed).toBe(summary.sent);
  });

  it('passes the planned execution time to simulated runtimes (function header and body field)', async () => {
    const { url, received } = await serve((_req, res) => res.end());
    await runLoad({
      target: url,
      plan: [{ at: 0, runtimeId: 'f1', durationMs: 250 }],
      durationMs: 1,
      request,
      timeoutMs: 5_000,
      maxInFlight: 1,
    });
    const body = JSON.parse(received[0]!.body);
    expect(body.headers).toEqual({ 'x-sim-duration-ms': '250' });
    expect(JSON.parse(body.body)).toEqual({ runtimeId: 'f1', simDurationMs: 250 });
  });
});
