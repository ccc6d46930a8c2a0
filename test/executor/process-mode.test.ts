import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { callExecutor, NODE_IMAGE, startInProcessExecutor } from '../support/executors.ts';
import { isAlive, waitGone } from '../support/processes.ts';
import { readMultipartBytes } from './multipart-client.ts';

// The executor API with real runtime processes (Fleetgate's Node runtime server), real sockets.
const FUNCTIONS = 'test/executor/fixtures/functions';
const fn = (entrypoint: string, extra: Record<string, unknown> = {}) => ({
  image: NODE_IMAGE,
  source: FUNCTIONS,
  entrypoint,
  ...extra,
});

describe('executor with process runtimes', () => {
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    callExecutor(ex.url, ex.secret, method, path, body, headers);
  const pidOf = (res: { json: { body: string } }) => JSON.parse(res.json.body).pid as number;

  beforeAll(async () => {
    ex = await startInProcessExecutor({ mode: 'process' });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('runs the function with request, variables, logs and errors, and passes its status through', async () => {
    const res = await call(
      'POST',
      '/v1/runtimes/pid/executions',
      fn('pid.mjs', {
        method: 'PUT',
        path: '/items/1?status=404',
        body: 'payload',
        headers: { 'x-custom': 'yes' },
        variables: { GREETING: 'hi' },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.json.statusCode).toBe(404);
    const body = JSON.parse(res.json.body);
    expect(body).toMatchObject({ method: 'PUT', path: '/items/1', body: 'payload', env: 'hi' });
    expect(body.headers['x-custom']).toBe('yes');
    expect(Object.keys(body.headers).some((h) => h.startsWith('x-open-runtimes-'))).toBe(false);
    expect(res.json.logs).toBe('pid function called\n');
    expect(res.json.errors).toBe('a line on the error log\n');
    expect(Object.keys(res.json.headers).some((h) => h.startsWith('x-open-runtimes-'))).toBe(false);
    expect(isAlive(pidOf(res))).toBe(true);
  });

  it.each([
    ['without x-executor-response-format', {}, 'b'],
    ['with x-executor-response-format 0.11.0', { 'x-executor-response-format': '0.11.0' }, ['a', 'b']],
  ])('returns repeated response headers %s', async (_name, headers, expected) => {
    const res = await call('POST', '/v1/runtimes/pid/executions', fn('pid.mjs'), headers);
    expect(res.json.headers['x-multi']).toEqual(expected);
  });

  it('drops hop-by-hop function headers and rejects invalid header names with execution_bad_request', async () => {
    const ok = await call('POST', '/v1/runtimes/pid/executions', {
      headers: { connection: 'close', 'x-kept': '1' },
    });
    expect(JSON.parse(ok.json.body).headers['x-kept']).toBe('1');
    const bad = await call('POST', '/v1/runtimes/pid/executions', { headers: { 'bad header': 'x' } });
    expect([bad.status, bad.json.type]).toEqual([400, 'execution_bad_request']);
    expect((await call('POST', '/v1/runtimes/pid/executions', {})).json.statusCode).toBe(200);
  });

  it('omits logs and errors when logging is off', async () => {
    const res = await call('POST', '/v1/runtimes/pid/executions', { logging: false });
    expect([res.json.logs, res.json.errors]).toEqual(['', '']);
  });

  it('starts one runtime process for 8 concurrent first executions', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/v1/runtimes/burst/executions', fn('pid.mjs'))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(results.map(pidOf)).size).toBe(1);
  });

  it('runs a .tar.gz source and a multipart request', async () => {
    const form = new FormData();
    form.set('image', NODE_IMAGE);
    form.set('source', 'test/executor/fixtures/hello.tar.gz');
    form.set('entrypoint', 'index.mjs');
    form.set('path', '/t?name=tar');
    const res = await call('POST', '/v1/runtimes/tarball/executions', form);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(JSON.parse(res.json.body)).toEqual({ greeting: 'Hello, tar!', method: 'GET', path: '/t' });
  });

  it('reports a function that throws as statusCode 500 with the error', async () => {
    const res = await call('POST', '/v1/runtimes/throws/executions', fn('throws.mjs'));
    expect(res.status).toBe(200);
    expect(res.json.statusCode).toBe(500);
    expect(res.json.errors).toContain('boom from the function');
  });

  it('lets the runtime answer a function that never returns: 200, statusCode 500, Execution timed out.', async () => {
    const res = await call('POST', '/v1/runtimes/hangs/executions', fn('hangs.mjs', { timeout: 1 }));
    expect([res.status, res.json.statusCode, res.json.logs]).toEqual([200, 500, '']);
    expect(res.json.errors).toContain('Execution timed out.');
    expect(res.json.duration).toBeGreaterThanOrEqual(1);
    expect((await call('POST', '/v1/runtimes/pid/executions', {})).json.statusCode).toBe(200);
  });

  it('answers 500 runtime_failed when the function exits its process, then cold-starts a new one', async () => {
    const first = await call('POST', '/v1/runtimes/exits-pid/executions', fn('pid.mjs'));
    const oldPid = pidOf(first);
    // Swap the runtime for one whose function exits: delete, then execute with exits.mjs.
    await call('DELETE', '/v1/runtimes/exits-pid');
    expect(await waitGone(oldPid)).toBe(true);
    const res = await call('POST', '/v1/runtimes/exits/executions', fn('exits.mjs'));
    expect([res.status, res.json.type, res.json.code]).toEqual([500, 'runtime_failed', 500]);
    const gone = await (async () => {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        if ((await call('GET', '/v1/runtimes/exits')).status === 404) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return false;
    })();
    expect(gone).toBe(true);
    const again = await call('POST', '/v1/runtimes/exits/executions', fn('pid.mjs'));
    expect(again.json.statusCode).toBe(200);
  });

  it('fails the cold start of a module that throws on import: runtime_failed, build_failed on create', async () => {
    const exec = await call('POST', '/v1/runtimes/broken/executions', fn('broken.mjs'));
    expect([exec.status, exec.json.type]).toEqual([400, 'runtime_failed']);
    expect(exec.json.message).toContain('broken at import time');
    const create = await call('POST', '/v1/runtimes', fn('broken.mjs', { runtimeId: 'broken' }));
    expect([create.status, create.json.type]).toEqual([400, 'build_failed']);
    expect((await call('GET', '/v1/runtimes/broken')).status).toBe(404);
  });

  it('answers 400 execution_bad_json for a binary body asked as JSON, and the bytes as multipart', async () => {
    const json = await call('POST', '/v1/runtimes/binary/executions', fn('binary.mjs'));
    expect([json.status, json.json.type]).toEqual([400, 'execution_bad_json']);
    const res = await fetch(`${ex.url}/v1/runtimes/binary/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ex.secret}`, accept: 'multipart/form-data' },
      body: '{}',
    });
    const parts = await readMultipartBytes(res);
    expect([...parts.body!]).toEqual([0xff, 0xfe, 0x00, 0x80]);
  });

  it('rejects an image without a runtime command', async () => {
    const res = await call('POST', '/v1/runtimes', { runtimeId: 'py', image: 'openruntimes/python:v5-3.12' });
    expect([res.status, res.json.type]).toEqual([400, 'general_argument_invalid']);
    expect(res.json.message).toContain('no runtime command is configured');
  });

  it('creates with POST /v1/runtimes, streams the runtime output, and DELETE stops the process', async () => {
    const created = await call('POST', '/v1/runtimes', fn('pid.mjs', { runtimeId: 'lifecycle' }));
    expect(created.status).toBe(201);
    expect(created.json.output.map((l: { content: string }) => l.content)).toContain('Runtime listening');
    const logs = await call('GET', '/v1/runtimes/lifecycle/logs?timeout=0.2');
    expect(logs.text).toMatch(/\.\d{3}\+00:00 HTTP server successfully started on port \d+/);
    const pid = pidOf(await call('POST', '/v1/runtimes/lifecycle/executions', {}));
    expect((await call('DELETE', '/v1/runtimes/lifecycle')).status).toBe(200);
    expect(await waitGone(pid)).toBe(true);
  });

  it('close() stops every runtime process', async () => {
    const own = await startInProcessExecutor({ mode: 'process' });
    const pids: number[] = [];
    for (const id of ['c1', 'c2', 'c3']) {
      const r = await callExecutor(
        own.url,
        own.secret,
        'POST',
        `/v1/runtimes/${id}/executions`,
        fn('pid.mjs'),
      );
      pids.push(pidOf(r));
    }
    await own.close();
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });
});

describe('runtime command templates', () => {
  it.each([
    ['a configured pattern', 'custom/runtime:1', 200, undefined],
    ['a command that does not exist', 'missing/runtime:1', 400, 'runtime_failed'],
  ])('starts images matching %s', async (_name, image, status, type) => {
    const ex = await startInProcessExecutor({
      mode: 'process',
      runtimeCommands: [
        { pattern: 'custom/*', command: 'node {runtimeServer} --port={port} --source={source}' },
        { pattern: 'missing/*', command: 'fleetgate-no-such-binary {entrypoint}' },
      ],
    });
    try {
      const res = await callExecutor(
        ex.url,
        ex.secret,
        'POST',
        '/v1/runtimes/tpl/executions',
        fn('pid.mjs', { image }),
      );
      expect(res.status).toBe(status);
      if (type) expect(res.json.type).toBe(type);
      else expect(res.json.statusCode).toBe(200);
      expect((await callExecutor(ex.url, ex.secret, 'GET', '/v1/health')).text).toBe('OK');
    } finally {
      await ex.close();
    }
  });
});

describe('port races', () => {
  it('retries a start whose port was taken (EADDRINUSE) on a new port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-flaky-port-'));
    const ex = await startInProcessExecutor({
      mode: 'process',
      runtimeCommands: [{ pattern: 'flaky/*', command: `node {source}/flaky-port.mjs {runtimeServer}` }],
    });
    try {
      const res = await callExecutor(
        ex.url,
        ex.secret,
        'POST',
        '/v1/runtimes/flaky/executions',
        fn('pid.mjs', { image: 'flaky/runtime:1', variables: { MARKER: join(dir, 'marker') } }),
      );
      expect([res.status, res.json.statusCode]).toEqual([200, 200]);
      expect(existsSync(join(dir, 'marker'))).toBe(true);
    } finally {
      await ex.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slow cold starts', () => {
  const pidFile = () => join(mkdtempSync(join(tmpdir(), 'fleetgate-slow-boot-')), 'pid');
  const readPid = async (file: string) => {
    const until = Date.now() + 15_000;
    while (!existsSync(file) || readFileSync(file, 'utf8') === '') {
      if (Date.now() > until) throw new Error('the runtime never wrote its pid');
      await new Promise((r) => setTimeout(r, 20));
    }
    return Number(readFileSync(file, 'utf8'));
  };

  it('answers runtime_timeout when the boot outlives the timeout; close() still stops the process', async () => {
    const ex = await startInProcessExecutor({ mode: 'process' });
    const file = pidFile();
    try {
      const res = await callExecutor(
        ex.url,
        ex.secret,
        'POST',
        '/v1/runtimes/slow/executions',
        fn('slow-boot.mjs', { timeout: 1, variables: { PID_FILE: file, BOOT_MS: '60000' } }),
      );
      expect([res.status, res.json.type]).toEqual([400, 'runtime_timeout']);
      const pid = await readPid(file);
      expect(isAlive(pid)).toBe(true);
      await ex.close();
      expect(await waitGone(pid)).toBe(true);
    } finally {
      await ex.close();
      rmSync(file, { force: true });
    }
  });

  it('DELETE during a cold start fails the waiting execution and stops the process', async () => {
    const ex = await startInProcessExecutor({ mode: 'process' });
    const file = pidFile();
    try {
      const pending = callExecutor(
        ex.url,
        ex.secret,
        'POST',
        '/v1/runtimes/deleted/executions',
        fn('slow-boot.mjs', { timeout: 60, variables: { PID_FILE: file, BOOT_MS: '60000' } }),
      );
      const pid = await readPid(file);
      expect((await callExecutor(ex.url, ex.secret, 'DELETE', '/v1/runtimes/deleted')).status).toBe(200);
      const res = await pending;
      expect([res.status, res.json.type]).toEqual([400, 'runtime_failed']);
      expect(await waitGone(pid)).toBe(true);
      expect((await callExecutor(ex.url, ex.secret, 'GET', '/v1/runtimes')).json).toEqual([]);
    } finally {
      await ex.close();
      rmSync(file, { force: true });
    }
  });
});
