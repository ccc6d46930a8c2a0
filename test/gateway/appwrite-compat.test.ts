import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorFleet, NODE_IMAGE, startExecutors } from '../support/executors.ts';
import { AUTH, call, startTestGateway, type TestGateway } from './harness.ts';

/**
 * Replays the requests Appwrite's Executor client (src/Executor/Executor.php) sends to
 * open-runtimes/proxy, with the headers it sends (docs/compatibility.md): every call carries
 * `authorization: Bearer <proxy secret>`, `content-type: application/json` and
 * `x-opr-addressing-method: anycast-efficient` unless it overrides them; runtime calls add
 * `x-opr-runtime-id`; executions are multipart in and out; runtime deletion is a broadcast.
 */
const APPWRITE_HEADERS = {
  authorization: AUTH,
  'content-type': 'application/json',
  'x-opr-addressing-method': 'anycast-efficient',
};
const PROJECT = '6656f0a1000e8c2ad2a9';
const DEPLOYMENT = '6656f0c2003b9f3b8a1e';
const RUNTIME = `${PROJECT}-${DEPLOYMENT}`;
const FUNCTION = { image: NODE_IMAGE, source: 'test/gateway/fixtures/echo', entrypoint: 'index.mjs' };

/** Reads one field of a multipart/form-data response. */
function multipartField(body: string, contentType: string, name: string): string | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    if (new RegExp(`name="${name}"`).test(part.slice(0, split)))
      return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return undefined;
}

describe('Appwrite compatibility replay', () => {
  let fleet: ExecutorFleet;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, { mode: 'process', idPrefix: 'aw' });
    gw = await startTestGateway({ options: { executors: fleet.hosts.map((h) => h.url) } });
  });

  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  let createdOn = '';

  it('createRuntime: POST /v1/runtimes, JSON, x-opr-runtime-id', async () => {
    const res = await request(`${gw.url}/v1/runtimes`, {
      method: 'POST',
      headers: { ...APPWRITE_HEADERS, 'x-opr-runtime-id': RUNTIME },
      body: JSON.stringify({
        runtimeId: RUNTIME,
        source: FUNCTION.source,
        destination: '',
        image: FUNCTION.image,
        entrypoint: FUNCTION.entrypoint,
        variables: { APPWRITE_FUNCTION_ID: 'fn1' },
        remove: false,
        command: '',
        cpus: 1,
        memory: 512,
        version: 'v5',
        timeout: 60,
        outputDirectory: '',
        runtimeEntrypoint: '',
      }),
    });
    const body = (await res.body.json()) as { output: unknown[]; duration: number };
    expect(res.statusCode).toBe(201);
    expect(Array.isArray(body.output)).toBe(true);
    createdOn = String(res.headers['x-fleetgate-host']);
    expect(gw.gateway.placement.hosts(RUNTIME)).toEqual([createdOn]);
  });

  it('getLogs: GET /v1/runtimes/:id/logs?timeout=1 streams and ends', async () => {
    const res = await request(`${gw.url}/v1/runtimes/${RUNTIME}/logs?timeout=1`, {
      headers: { ...APPWRITE_HEADERS, 'x-opr-runtime-id': RUNTIME },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-fleetgate-host']).toBe(createdOn);
    expect(await res.body.text()).toMatch(/^\d{4}-\d\d-\d\dT/m);
  });

  it('createExecution: multipart in and out, on the host where the runtime is warm', async () => {
    const form = new FormData();
    const fields: Record<string, string> = {
      runtimeId: RUNTIME,
      variables: JSON.stringify({ APPWRITE_FUNCTION_ID: 'fn1' }),
      body: 'hello from appwrite',
      timeout: '15',
      path: '/echo',
      method: 'POST',
      headers: JSON.stringify({ 'x-appwrite-trigger': 'http' }),
      image: FUNCTION.image,
      source: FUNCTION.source,
      entrypoint: FUNCTION.entrypoint,
      cpus: '1',
      memory: '512',
      version: 'v5',
      runtimeEntrypoint: '',
      logging: 'true',
      restartPolicy: 'always',
    };
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await request(`${gw.url}/v1/runtimes/${RUNTIME}/executions`, {
      method: 'POST',
      headers: {
        authorization: AUTH,
        'x-opr-addressing-method': 'anycast-efficient',
        'x-opr-runtime-id': RUNTIME,
        accept: 'multipart/form-data',
        'x-executor-response-format': '0.11.0',
      },
      body: form,
    });
    const text = await res.body.text();
    expect(res.statusCode, text.slice(0, 300)).toBe(200);
    expect(res.headers['x-fleetgate-host']).toBe(createdOn);
    const type = String(res.headers['content-type']);
    expect(type).toContain('multipart/form-data');
    expect(multipartField(text, type, 'statusCode')).toBe('200');
    expect(multipartField(text, type, 'body')).toBe('hello from appwrite');
  });

  it('executor health through the proxy and the proxy health itself', async () => {
    const forwarded = await call(gw.url, 'GET', '/v1/health', {
      headers: { 'content-type': 'application/json' },
    });
    expect(forwarded.status).toBe(200);
    expect(forwarded.text).toBe('OK');
    const own = await call(gw.url, 'GET', '/v1/proxy/health', { auth: null });
    expect(own.status).toBe(200);
    expect(own.text).toBe('OK');
  });

  it('deleteRuntime: DELETE with x-opr-addressing-method: broadcast answers 204 and forgets placement', async () => {
    const res = await request(`${gw.url}/v1/runtimes/${RUNTIME}`, {
      method: 'DELETE',
      headers: { ...APPWRITE_HEADERS, 'x-opr-addressing-method': 'broadcast' },
    });
    expect(res.statusCode).toBe(204);
    await res.body.dump();
    expect(gw.gateway.placement.hosts(RUNTIME)).toEqual([]);
    const gone = await call(gw.url, 'GET', `/v1/runtimes/${RUNTIME}`, {
      headers: { 'x-opr-runtime-id': RUNTIME },
    });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ type: 'runtime_not_found' });
  });
});
