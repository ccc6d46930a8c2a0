import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMultipartResponse } from '../test/executor/multipart-client.ts';
import { callExecutor, startInProcessExecutor } from '../test/support/executors.ts';
import type { RunningExecutor } from './server.ts';

/** Opens a fresh TCP connection to `port`: 'connected', or the error code it failed with. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

// Every route and error of the executor API over a real socket, simulated runtimes.
type Running = RunningExecutor & { secret: string };

const SIM = { mode: 'simulated' as const, simulated: { coldStart: { kind: 'fixed' as const, ms: 5 } } };

async function poll(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

describe('executor API (simulated runtimes, real sockets)', () => {
  let ex: Running;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    callExecutor(ex.url, ex.secret, method, path, body, headers);

  beforeAll(async () => {
    ex = await startInProcessExecutor({ ...SIM, maxRuntimes: 50, hostname: 'sim-host' });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('answers GET /v1/health with 200 OK without auth, and Server: Executor', async () => {
    const res = await callExecutor(ex.url, undefined, 'GET', '/v1/health');
    expect([res.status, res.text, res.headers.server]).toEqual([200, 'OK', 'Executor']);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong secret', 'wrong'],
  ])('answers 401 general_unauthorized for %s', async (_name, secret) => {
    const res = await callExecutor(ex.url, secret, 'GET', '/v1/runtimes');
    expect(res.status).toBe(401);
    expect(res.headers.server).toBe('Executor');
    expect(res.json).toEqual({
      type: 'general_unauthorized',
      message: 'Missing executor key',
      code: 401,
      version: expect.any(String),
    });
  });

  it('takes the key as the second word of Authorization whatever the scheme, as the real executor', async () => {
    const status = async (authorization: string) =>
      (await callExecutor(ex.url, undefined, 'GET', '/v1/runtimes', undefined, { authorization })).status;
    expect(await status(`Basic ${ex.secret}`)).toBe(200);
    expect(await status(`bearer ${ex.secret}`)).toBe(200);
    expect(await status(ex.secret)).toBe(401);
    expect(await status(`Bearer  ${ex.secret}`)).toBe(401);
    expect(await status(`Bearer ${ex.secret}x`)).toBe(401);
  });

  it('answers 404 general_route_not_found for an unknown route', async () => {
    for (const path of ['/v1/nope', '/nope']) {
      const res = await call('GET', path);
      expect([res.status, res.json.type, res.headers.server]).toEqual([
        404,
        'general_route_not_found',
        'Executor',
      ]);
    }
  });

  it('creates, lists, reads and deletes a runtime', async () => {
    const created = await call('POST', '/v1/runtimes', { runtimeId: 'crud', image: 'sim:1', memory: 256 });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      output: expect.arrayContaining([{ timestamp: expect.any(String), content: 'Runtime listening' }]),
      startTime: expect.any(Number),
      duration: expect.any(Number),
    });
    const again = await call('POST', '/v1/runtimes', { runtimeId: 'crud', image: 'sim:1' });
    expect([again.status, again.json.type]).toEqual([409, 'runtime_conflict']);
    const list = await call('GET', '/v1/runtimes');
    expect(list.json).toContainEqual(
      expect.objectContaining({
        runtimeId: 'crud',
        name: 'sim-host-crud',
        image: 'sim:1',
        listening: 1,
        initialised: 1,
        version: 'v5',
      }),
    );
    const one = await call('GET', '/v1/runtimes/crud');
    expect(one.json).toMatchObject({
      name: 'sim-host-crud',
      hostname: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: expect.stringMatching(/^Up/),
    });
    const deleted = await call('DELETE', '/v1/runtimes/crud');
    expect([deleted.status, deleted.text]).toEqual([200, '']);
    expect((await call('GET', '/v1/runtimes/crud')).json.type).toBe('runtime_not_found');
    expect((await call('DELETE', '/v1/runtimes/crud')).status).toBe(404);
  });

  it('removes the runtime after a create with remove: true (build-only)', async () => {
    const res = await call('POST', '/v1/runtimes', { runtimeId: 'build-only', image: 'sim:1', remove: true });
    expect(res.status).toBe(201);
    expect((await call('GET', '/v1/runtimes/build-only')).status).toBe(404);
  });

  it('accepts a multipart create', async () => {
    const form = new FormData();
    form.set('runtimeId', 'multi');
    form.set('image', 'sim:1');
    form.set('variables', JSON.stringify({ A: '1' }));
    expect((await call('POST', '/v1/runtimes', form)).status).toBe(201);
  });

  it.each([
    ['invalid JSON', '{"runtimeId":', /Invalid JSON body/],
    ['a JSON array', '[1,2]', /expected an object/],
    ['no runtimeId', { image: 'sim' }, /"runtimeId": is required/],
    ['no image', { runtimeId: 'noimage' }, /"image": is required/],
    ['a 65-character runtimeId', { runtimeId: 'a'.repeat(65), image: 'sim' }, /"runtimeId": must be 1-64/],
    ['a runtimeId with a slash', { runtimeId: 'a/b', image: 'sim' }, /"runtimeId": must be 1-64/],
    ['a runtimeId with a space', { runtimeId: 'a b', image: 'sim' }, /"runtimeId": must be 1-64/],
    [
      'a source outside the allowed folder',
      { runtimeId: 'out', image: 'sim', source: '/etc' },
      /outside the allowed/,
    ],
    ['a source climbing out', { runtimeId: 'up', image: 'sim', source: '../..' }, /outside the allowed/],
    ['a missing source', { runtimeId: 'miss', image: 'sim', source: 'no/such/dir' }, /does not exist/],
    ['a negative timeout', { runtimeId: 'neg', image: 'sim', timeout: -1 }, /"timeout": must be a number/],
    [
      'variables that are not an object',
      { runtimeId: 'v', image: 'sim', variables: [1] },
      /"variables": must be an object/,
    ],
  ])('rejects a create with %s: 400 general_argument_invalid', async (_name, body, message) => {
    const res = await call('POST', '/v1/runtimes', body, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('general_argument_invalid');
    expect(res.json.message).toMatch(message);
    expect(res.json.code).toBe(400);
  });

  it('cold-starts on the first execution and answers JSON for Accept: application/json', async () => {
    const res = await call('POST', '/v1/runtimes/exec-json/executions', {
      image: 'sim:1',
      path: '/hello',
      method: 'POST',
      headers: { 'x-sim-status': '201' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: expect.any(String),
      logs: 'simulated execution of POST /hello',
      errors: '',
      duration: expect.any(Number),
      startTime: expect.any(Number),
    });
    expect(JSON.parse(res.json.body)).toMatchObject({
      simulated: true,
      runtimeId: 'exec-json',
      path: '/hello',
    });
  });

  it('answers multipart unless Accept asks for JSON, also on the /execution alias', async () => {
    await call('POST', '/v1/runtimes', { runtimeId: 'exec-multi', image: 'sim:1' });
    const res = await fetch(`${ex.url}/v1/runtimes/exec-multi/execution`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ex.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/m' }),
    });
    expect(res.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    const form = await readMultipartResponse(res);
    expect(form.statusCode).toBe('200');
    expect(JSON.parse(form.headers!)).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(form.body!)).toMatchObject({ path: '/m' });
    expect(Number(form.duration)).toBeGreaterThan(0);
  });

  it.each([
    ['a urlencoded form', 'image=sim%3A1&path=%2Fform-url'],
    ['JSON sent as a form (curl -d)', '{"image":"sim:1","path":"/form-url"}'],
  ])('reads %s', async (_name, body) => {
    const res = await call('POST', '/v1/runtimes/exec-url/executions', body, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.json.body).path).toBe('/form-url');
  });

  it('accepts a multipart execution request', async () => {
    const form = new FormData();
    form.set('image', 'sim:1');
    form.set('path', '/form');
    form.set('headers', JSON.stringify({ 'x-sim-duration-ms': '1' }));
    form.set('body', new Blob(['payload']));
    const res = await call('POST', '/v1/runtimes/exec-form/executions', form);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.json.body).path).toBe('/form');
  });

  it('answers 404 runtime_not_found for an absent runtime without image', async () => {
    const res = await call('POST', '/v1/runtimes/absent/executions', { path: '/' });
    expect([res.status, res.json.type]).toEqual([404, 'runtime_not_found']);
  });

  it.each([
    ['invalid JSON', '{"path"', /Invalid JSON body/],
    ['an unknown method', { method: 'TRACE' }, /"method": must be one of/],
    ['headers that are an array', { headers: ['a'] }, /"headers": must be an object/],
    [
      'headers that are a bad JSON string',
      { headers: '{x' },
      /"headers": must be an object or a JSON object string/,
    ],
    ['a non-numeric timeout', { timeout: 'soon' }, /"timeout": must be a number/],
    ['a non-boolean logging', { logging: 'maybe' }, /"logging": must be a boolean/],
    ['source without image', { source: 'examples/functions/hello' }, /"image": is required/],
  ])('rejects an execution with %s: 400 execution_bad_request', async (_name, body, message) => {
    const res = await call('POST', '/v1/runtimes/bad-exec/executions', body, {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('execution_bad_request');
    expect(res.json.message).toMatch(message);
  });

  it.each([
    ['too long', 'x'.repeat(65)],
    ['with a bad character', 'a%2Bb'],
  ])('rejects an execution for a runtime id %s', async (_name, id) => {
    const res = await call('POST', `/v1/runtimes/${id}/executions`, { image: 'sim' });
    expect([res.status, res.json.type]).toEqual([400, 'execution_bad_request']);
  });

  it('shares one cold start between 20 concurrent first executions', async () => {
    const before = metricValue(
      await (await fetch(`${ex.url}/metrics`)).text(),
      'fleetgate_executor_cold_starts_total{outcome="success"}',
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/v1/runtimes/burst/executions', { image: 'sim:1' })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const metrics = await (await fetch(`${ex.url}/metrics`)).text();
    expect(metricValue(metrics, 'fleetgate_executor_cold_starts_total{outcome="success"}') - before).toBe(1);
    const list = await call('GET', '/v1/runtimes');
    expect(list.json.filter((r: { runtimeId: string }) => r.runtimeId === 'burst')).toHaveLength(1);
  });

  it('answers 400 execution_timeout when the execution outlives its timeout, and keeps serving', async () => {
    const res = await call('POST', '/v1/runtimes/slow/executions', {
      image: 'sim:1',
      timeout: 0.2,
      headers: { 'x-sim-duration-ms': '5000' },
    });
    expect([res.status, res.json.type]).toEqual([400, 'execution_timeout']);
    const next = await call('POST', '/v1/runtimes/slow/executions', {
      headers: { 'x-sim-duration-ms': '1' },
    });
    expect(next.json.statusCode).toBe(200);
  });

  it('takes the simulated duration from a JSON body field', async () => {
    const res = await call('POST', '/v1/runtimes/slow-body/executions', {
      image: 'sim:1',
      timeout: 0.2,
      body: JSON.stringify({ simDurationMs: 5000 }),
    });
    expect(res.json.type).toBe('execution_timeout');
  });

  it('takes the simulated duration from the executor request header too', async () => {
    const res = await call(
      'POST',
      '/v1/runtimes/slow-header/executions',
      { image: 'sim:1', timeout: 0.2 },
      { 'x-sim-duration-ms': '5000' },
    );
    expect(res.json.type).toBe('execution_timeout');
  });

  it('rejects a body over 22 MiB with 413', async () => {
    const big = JSON.stringify({ image: 'sim', body: 'x'.repeat(23 * 1024 * 1024) });
    const res = await call('POST', '/v1/runtimes/big/executions', big, {
      'content-type': 'application/json',
    });
    expect([res.status, res.json.type]).toEqual([413, 'general_payload_too_large']);
  });

  it('streams a runtime log as timestamped lines, ending once the runtime is initialised', async () => {
    await call('POST', '/v1/runtimes', { runtimeId: 'logs', image: 'sim:1' });
    // A timeout the test would not outlive: the stream must end because the runtime is up.
    const res = await call('GET', '/v1/runtimes/logs/logs?timeout=3600', undefined, {
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const lines = res.text.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 \S/);
    expect(res.text).toContain('Runtime listening');
  });

  it('answers 504 logs_timeout when the runtime never appears', async () => {
    const res = await call('GET', '/v1/runtimes/never/logs?timeout=0.2');
    expect([res.status, res.json.type]).toEqual([504, 'logs_timeout']);
  });

  it('exposes fleetgate_executor_ metrics with accounted memory', async () => {
    const text = await (await fetch(`${ex.url}/metrics`)).text();
    const warm = metricValue(text, 'fleetgate_executor_warm_runtimes{mode="simulated"}');
    expect(warm).toBe((await call('GET', '/v1/runtimes')).json.length);
    expect(metricValue(text, 'fleetgate_executor_runtime_memory_bytes')).toBeGreaterThan(0);
    // Every logs request above has ended (stream finished, or 504 after waiting).
    expect(metricValue(text, 'fleetgate_executor_log_streams')).toBe(0);
    for (const outcome of ['success', 'timeout', 'rejected']) {
      expect(metricValue(text, `fleetgate_executor_executions_total{outcome="${outcome}"}`)).toBeGreaterThan(
        0,
      );
    }
    for (const name of [
      'fleetgate_executor_inflight_executions',
      'fleetgate_executor_executions_total',
      'fleetgate_executor_execution_duration_seconds_bucket',
      'fleetgate_executor_cold_start_duration_seconds_bucket',
      'fleetgate_executor_runtime_processes_started_total',
    ]) {
      expect(text).toContain(name);
    }
  });
});

describe('executor lifecycle (simulated runtimes, real sockets)', () => {
  it('answers 400 runtime_timeout when the cold start outlives the execution timeout', async () => {
    const ex = await startInProcessExecutor({
      mode: 'simulated',
      simulated: { coldStart: { kind: 'fixed', ms: 3000 } },
    });
    try {
      const res = await callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes/cold/executions', {
        image: 'sim',
        timeout: 0.2,
      });
      expect([res.status, res.json.type]).toEqual([400, 'runtime_timeout']);
    } finally {
      await ex.close();
    }
  });

  it('reaps idle runtimes on the sweep interval', async () => {
    const ex = await startInProcessExecutor({ ...SIM, inactiveThresholdMs: 100, maintenanceIntervalMs: 20 });
    try {
      await callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes', { runtimeId: 'idle', image: 'sim' });
      const gone = await poll(
        async () => (await callExecutor(ex.url, ex.secret, 'GET', '/v1/runtimes/idle')).status === 404,
      );
      expect(gone).toBe(true);
    } finally {
      await ex.close();
    }
  });

  it('evicts the least recently used runtime at the warm cap', async () => {
    const ex = await startInProcessExecutor({ ...SIM, maxRuntimes: 2 });
    const call = (m: string, p: string, b?: unknown) => callExecutor(ex.url, ex.secret, m, p, b);
    try {
      await call('POST', '/v1/runtimes', { runtimeId: 'a', image: 'sim' });
      await call('POST', '/v1/runtimes', { runtimeId: 'b', image: 'sim' });
      await new Promise((r) => setTimeout(r, 5));
      await call('POST', '/v1/runtimes/a/executions', {});
      await call('POST', '/v1/runtimes', { runtimeId: 'c', image: 'sim' });
      const names = (await call('GET', '/v1/runtimes')).json
        .map((r: { runtimeId: string }) => r.runtimeId)
        .sort();
      expect(names).toEqual(['a', 'c']);
    } finally {
      await ex.close();
    }
  });

  it('close() lets the in-flight execution finish and refuses new work', async () => {
    const ex = await startInProcessExecutor(SIM);
    await callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes', { runtimeId: 'drain', image: 'sim' });
    const slow = callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes/drain/executions', {
      headers: { 'x-sim-duration-ms': '500' },
    });
    await poll(() => ex.executor.table.inflight() === 1);
    const closing = ex.close();
    // A new connection is refused outright (the listener is closed)…
    expect(await connectOutcome(ex.port)).toBe('ECONNREFUSED');
    // …and a request on a connection that was already open gets 503 (the app refuses new work).
    const onOpenConnection = await ex.executor.app.fetch(
      new Request(`${ex.url}/v1/runtimes`, { headers: { authorization: `Bearer ${ex.secret}` } }),
    );
    expect(onOpenConnection.status).toBe(503);
    expect(((await onOpenConnection.json()) as { message: string }).message).toBe(
      'Executor is shutting down.',
    );
    expect((await slow).json.statusCode).toBe(200);
    await closing;
    expect(ex.executor.table.list()).toEqual([]);
  });
});
