import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../executor/multipart.ts';
import type { RunningExecutor } from '../../executor/server.ts';
import { callExecutor, NODE_IMAGE, startInProcessExecutor } from '../support/executors.ts';
import { readMultipartBytes, readMultipartResponse } from './multipart-client.ts';

// Executions as the real executor runs them (issue 13): byte-exact fields, every method's body,
// the caller's host, `[]` params, Accept, 5 MiB logs, timeouts, the runtime's environment.
// Real runtime processes (Fleetgate's Node runtime server) over real sockets.
const FUNCTIONS = 'test/executor/fixtures/functions';
const fn = (entrypoint: string, extra: Record<string, unknown> = {}) => ({
  image: NODE_IMAGE,
  source: FUNCTIONS,
  entrypoint,
  ...extra,
});

describe('executions, byte for byte', () => {
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    callExecutor(ex.url, ex.secret, method, path, body, headers);
  /** A multipart execution request (as Appwrite sends them) and its raw response. */
  const multipart = (id: string, fields: Record<string, string | Buffer>, accept = 'multipart/form-data') => {
    const boundary = '----------test-boundary-0a1b2c';
    return fetch(`${ex.url}/v1/runtimes/${id}/executions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ex.secret}`,
        accept,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: encodeMultipart(fields, boundary),
    });
  };
  const ECHO = { image: NODE_IMAGE, source: FUNCTIONS, entrypoint: 'echo.mjs' };

  beforeAll(async () => {
    process.env.I13E_PASSED = 'passed';
    process.env.I13E_OTHER = 'not listed';
    process.env.OPR_I13E_SETTING = 'never passed';
    ex = await startInProcessExecutor({
      mode: 'process',
      hostname: 'exec-host',
      executionGraceMs: 300,
      runtimeEnv: ['I13E_PASSED', 'OPR_*'],
    });
  });
  afterAll(async () => {
    await ex?.close();
    delete process.env.I13E_PASSED;
    delete process.env.I13E_OTHER;
    delete process.env.OPR_I13E_SETTING;
  });

  it('passes a multipart body field that is not UTF-8 to the runtime and back unchanged', async () => {
    const bytes = Buffer.from([0x00, 0x0a, 0xff]);
    const res = await multipart('bin-mp', { ...ECHO, method: 'POST', body: bytes });
    expect(res.status).toBe(200);
    const parts = await readMultipartBytes(res);
    expect([...parts.body!]).toEqual([0x00, 0x0a, 0xff]);
    expect(parts.statusCode!.toString()).toBe('200');
  });

  it('keeps \\n in multipart responses as the real executor writes them', async () => {
    const res = await multipart('bin-mp', { ...ECHO, body: 'x' });
    const parts = await readMultipartResponse(res);
    expect(parts.logs).toBe('first line\nsecond line\n');
    expect(JSON.parse(parts.headers!)['x-length']).toBe('1');
  });

  it('round-trips a JSON request and a JSON response', async () => {
    const text = 'héllo\n\u{1F44B} \u0000 end';
    const res = await call(
      'POST',
      '/v1/runtimes/bin-json/executions',
      fn('echo.mjs', { method: 'PUT', body: text }),
    );
    expect([res.status, res.json.statusCode, res.json.body]).toEqual([200, 200, text]);
  });

  it('answers a non-UTF-8 response body asked as JSON with 400 execution_bad_json', async () => {
    const res = await multipart(
      'bin-bad-json',
      { ...ECHO, body: Buffer.from([0xff, 0xfe]) },
      'application/json',
    );
    const json = (await res.json()) as { type: string; code: number; message: string };
    expect([res.status, json.type, json.code]).toEqual([400, 'execution_bad_json', 400]);
    expect(json.message).toContain('JSON response does not allow binaries');
  });

  it.each(['GET', 'HEAD', 'DELETE', 'OPTIONS'])(
    'sends the request body to the runtime for %s',
    async (method) => {
      const res = await call(
        'POST',
        '/v1/runtimes/methods/executions',
        fn('echo.mjs', { method, body: 'abc' }),
      );
      expect([res.status, res.json.headers['x-method'], res.json.headers['x-length']]).toEqual([
        200,
        method,
        '3',
      ]);
      expect(res.json.body).toBe(method === 'HEAD' ? '' : 'abc');
    },
  );

  it("keeps the caller's host header", async () => {
    const res = await call(
      'POST',
      '/v1/runtimes/host/executions',
      fn('echo.mjs', { headers: { host: 'fn.example.com' } }),
    );
    expect(res.json.headers['x-host']).toBe('fn.example.com');
  });

  it('reads JSON [] (what a PHP client sends for an empty map), as params or the whole body, as {}', async () => {
    const res = await call(
      'POST',
      '/v1/runtimes/empty-array/executions',
      fn('echo.mjs', { headers: [], variables: [] }),
    );
    expect([res.status, res.json.statusCode]).toEqual([200, 200]);
    const whole = await call('POST', '/v1/runtimes/empty-array/executions', '[]');
    expect([whole.status, whole.json.statusCode]).toEqual([200, 200]);
    const bad = await call('POST', '/v1/runtimes/empty-array/executions', { headers: ['x'] });
    expect([bad.status, bad.json.type]).toEqual([400, 'execution_bad_request']);
    expect(bad.json.message).toContain('"headers"');
  });

  it.each([
    ['text/plain, application/json', 'application/json'],
    ['text/html,application/*;q=0.9', 'application/json'],
    ['text/plain, */*', 'multipart/form-data'],
  ])('reads every entry of Accept: %j answers %s', async (accept, type) => {
    const res = await fetch(`${ex.url}/v1/runtimes/accept/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ex.secret}`, accept, 'content-type': 'application/json' },
      body: JSON.stringify(fn('echo.mjs')),
    });
    expect(res.headers.get('content-type')).toContain(type);
    await res.arrayBuffer();
  });

  it.each([
    ['1 MiB', 1, 1024 * 1024, false],
    ['6 MiB', 6, 5 * 1024 * 1024, true],
  ])('returns %s of logs cut at 5 MiB', async (_name, mib, length, cut) => {
    const res = await call('POST', '/v1/runtimes/logs/executions', fn('logs.mjs', { body: String(mib) }));
    expect([res.status, res.json.body]).toEqual([200, 'OK']);
    const note = '\nLog file has been truncated to 5.00MB.';
    expect(res.json.logs.length).toBe(length + (cut ? note.length : 0));
    expect(res.json.logs.endsWith(note)).toBe(cut);
  });

  it('answers 500 execution_timeout when the runtime does not answer within timeout + grace, and keeps the runtime', async () => {
    const res = await call(
      'POST',
      '/v1/runtimes/busy/executions',
      fn('busy.mjs', { path: '/?ms=4000', timeout: 1 }),
    );
    expect([res.status, res.json.type, res.json.code]).toEqual([500, 'execution_timeout', 500]);
    expect((await call('GET', '/v1/runtimes/busy')).status).toBe(200);
  });

  it('sets the Open Runtimes variables and passes only the configured part of its own environment', async () => {
    const res = await call('POST', '/v1/runtimes/env/executions', fn('env.mjs', { cpus: 2.5, memory: 1024 }));
    const env = JSON.parse(res.json.body);
    const runtime = (await call('GET', '/v1/runtimes/env')).json;
    expect(env).toMatchObject({
      CI: 'true',
      OPEN_RUNTIMES_CPUS: '2.5',
      OPEN_RUNTIMES_MEMORY: '1024',
      OPEN_RUNTIMES_HOSTNAME: runtime.hostname,
      OPEN_RUNTIMES_ENTRYPOINT: 'env.mjs',
      I13E_PASSED: 'passed',
    });
    expect(env.I13E_OTHER).toBeUndefined();
    expect(env.OPR_I13E_SETTING).toBeUndefined();
  });

  it('describes runtimes as the real executor: name, status, listening', async () => {
    await call('POST', '/v1/runtimes', fn('echo.mjs', { runtimeId: 'described' }));
    const runtime = (await call('GET', '/v1/runtimes/described')).json;
    expect(runtime).toMatchObject({ name: 'exec-host-described', listening: 1, initialised: 1 });
    expect(runtime.status).toMatch(/^Up \d+(\.\d{1,2})?s$/);
  });
});
