import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorFleet, NODE_IMAGE, startExecutors } from '../support/executors.ts';
import { AUTH, call, startTestGateway, type TestGateway, until } from './harness.ts';

const FUNCTION = { image: NODE_IMAGE, source: 'test/gateway/fixtures/echo', entrypoint: 'index.mjs' };

// Three executors running real runtime processes (process mode) with the echo test function.
describe('streaming through the gateway (process-mode executors)', () => {
  let fleet: ExecutorFleet;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(3, { mode: 'process', idPrefix: 'st' });
    gw = await startTestGateway({ options: { executors: fleet.hosts.map((h) => h.url) } });
  });

  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  const inflight = () => gw.gateway.fleet.totalInflight();

  it('streams a log stream while it is open, and a client abort frees the slot', async () => {
    // An executor's log stream ends once its runtime is initialised (as the real executor's), so the
    // stream is opened on a runtime whose boot prints the marker and then takes a minute.
    const creating = call(gw.url, 'POST', '/v1/runtimes', {
      body: {
        runtimeId: 'logs-rt',
        image: NODE_IMAGE,
        source: 'test/executor/fixtures/functions',
        entrypoint: 'boot-log.mjs',
        variables: { BOOT_LOG: 'marker-from-test', BOOT_MS: '60000' },
        timeout: 120,
      },
    });
    const controller = new AbortController();
    const stream = await request(`${gw.url}/v1/runtimes/logs-rt/logs?timeout=120`, {
      headers: { authorization: AUTH },
      signal: controller.signal,
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    let received = '';
    const reading = (async () => {
      try {
        for await (const chunk of stream.body) received += chunk.toString();
      } catch {
        // aborted below
      }
    })();
    await until('the log line arrived through the open stream', () => received.includes('marker-from-test'));
    const streams = () => gw.gateway.fleet.hosts.reduce((n, h) => n + h.streams, 0);
    expect(streams()).toBe(1); // still open; log streams are not counted as load
    expect(inflight()).toBe(1); // the create that is still starting the runtime, not the stream
    const scrape = await call(gw.url, 'GET', '/metrics');
    expect(scrape.text).toMatch(/fleetgate_gateway_open_streams\{host="[^"]+"\} 1/);
    controller.abort();
    await reading;
    await until('the aborted stream freed its slot', () => streams() === 0);
    expect((await call(gw.url, 'DELETE', '/v1/runtimes/logs-rt')).status).toBe(200);
    expect((await creating).status).toBe(400);
  });

  it('carries a 20 MiB body both ways', async () => {
    const size = 20 * 1024 * 1024 - 4096; // the execution body limit is 20 MiB
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = 97 + (i % 26);
    const text = payload.toString('latin1');
    const res = await request(`${gw.url}/v1/runtimes/big-rt/executions`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...FUNCTION, path: '/echo', method: 'POST', body: text, timeout: 60 }),
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const raw = await res.body.text();
    expect(res.statusCode, raw.slice(0, 300)).toBe(200);
    expect(raw.length).toBeGreaterThan(size);
    const out = JSON.parse(raw) as { statusCode: number; body: string };
    expect(out.statusCode).toBe(200);
    expect(out.body.length).toBe(size);
    const digest = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(digest(out.body)).toBe(digest(text));
  });

  it('aborts the upstream request when the client disconnects mid-execution', async () => {
    const controller = new AbortController();
    const pending = request(`${gw.url}/v1/runtimes/abort-rt/executions`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...FUNCTION, path: '/sleep?ms=20000', timeout: 60 }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await until('execution in flight', () => inflight() === 1, 30_000);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until('slot freed at once, long before the 20 s execution ends', () => inflight() === 0, 5_000);
    const metrics = await call(gw.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /fleetgate_gateway_upstream_errors_total\{host="[^"]+",kind="aborted"\} [1-9]/,
    );
  });
});
