import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  startInProcessExecutor,
} from '../support/executors.ts';

// The same route table against both runtime modes: the API must not depend on the mode.
const HELLO = { image: NODE_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };
const PID_FN = { image: NODE_IMAGE, source: 'test/executor/fixtures/functions', entrypoint: 'pid.mjs' };

async function poll(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe.each(['process', 'simulated'] as const)('executor routes in %s mode', (mode) => {
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    callExecutor(ex.url, ex.secret, method, path, body, headers);

  beforeAll(async () => {
    ex = await startInProcessExecutor({ mode, simulated: { coldStart: { kind: 'fixed', ms: 5 } } });
  });
  afterAll(async () => {
    await ex.close();
  });

  it.each([
    ['GET', '/v1/health', undefined, 200, undefined],
    ['GET', '/v1/runtimes', 'wrong-secret', 401, 'general_unauthorized'],
    ['GET', '/v1/runtimes/missing', undefined, 404, 'runtime_not_found'],
    ['DELETE', '/v1/runtimes/missing', undefined, 404, 'runtime_not_found'],
    ['POST', '/v1/runtimes/missing/executions', undefined, 404, 'runtime_not_found'],
    ['GET', '/v1/runtimes/missing/logs?timeout=0.1', undefined, 504, 'logs_timeout'],
    ['GET', '/v1/unknown', undefined, 404, 'general_route_not_found'],
  ])('%s %s answers %i %s', async (method, path, secret, status, type) => {
    const res = await callExecutor(ex.url, secret ?? ex.secret, method, path);
    expect(res.status).toBe(status);
    if (type) expect(res.json).toMatchObject({ type, code: status });
  });

  it('creates (201), conflicts (409), executes (JSON and multipart), streams logs, deletes', async () => {
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'r1', ...HELLO })).status).toBe(201);
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'r1', ...HELLO })).json.type).toBe(
      'runtime_conflict',
    );
    const json = await call('POST', '/v1/runtimes/r1/executions', { path: '/p' });
    expect([json.status, json.json.statusCode]).toEqual([200, 200]);
    const multipart = await fetch(`${ex.url}/v1/runtimes/r1/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ex.secret}` },
      body: '{}',
    });
    expect((await multipart.formData()).get('statusCode')).toBe('200');
    const logs = await call('GET', '/v1/runtimes/r1/logs?timeout=0.1');
    expect(logs.text).toContain('Runtime listening');
    expect((await call('GET', '/v1/runtimes')).json.map((r: { runtimeId: string }) => r.runtimeId)).toContain(
      'r1',
    );
    expect((await call('DELETE', '/v1/runtimes/r1')).status).toBe(200);
    expect((await call('GET', '/v1/runtimes/r1')).status).toBe(404);
  });

  it('cold-starts once for concurrent first executions', async () => {
    const coldStarts = async () =>
      (await ex.executor.metrics.coldStarts.get()).values.find((v) => v.labels.outcome === 'success')
        ?.value ?? 0;
    const before = await coldStarts();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call('POST', '/v1/runtimes/once/executions', PID_FN)),
    );
    expect(results.map((r) => [r.status, r.json.statusCode])).toEqual(Array(6).fill([200, 200]));
    expect((await coldStarts()) - before).toBe(1);
    const named = (await call('GET', '/v1/runtimes')).json.filter(
      (r: { runtimeId: string }) => r.runtimeId === 'once',
    );
    expect(named).toHaveLength(1);
  });
});

describe('reaping and eviction stop runtime processes', () => {
  it('reaps an idle process runtime and its process exits', async () => {
    const ex = await startInProcessExecutor({
      mode: 'process',
      inactiveThresholdMs: 200,
      maintenanceIntervalMs: 50,
    });
    try {
      const res = await callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes/idle/executions', PID_FN);
      const pid = JSON.parse(res.json.body).pid as number;
      expect(
        await poll(
          async () => (await callExecutor(ex.url, ex.secret, 'GET', '/v1/runtimes/idle')).status === 404,
        ),
      ).toBe(true);
      expect(await poll(async () => gone(pid))).toBe(true);
    } finally {
      await ex.close();
    }
  });

  it('evicts the least recently used process runtime at the cap and its process exits', async () => {
    const ex = await startInProcessExecutor({ mode: 'process', maxRuntimes: 2 });
    const exec = async (id: string) =>
      JSON.parse(
        (await callExecutor(ex.url, ex.secret, 'POST', `/v1/runtimes/${id}/executions`, PID_FN)).json.body,
      ).pid as number;
    try {
      const a = await exec('a');
      const b = await exec('b');
      await exec('a');
      await exec('c');
      const names = (await callExecutor(ex.url, ex.secret, 'GET', '/v1/runtimes')).json.map(
        (r: { runtimeId: string }) => r.runtimeId,
      );
      expect(names.sort()).toEqual(['a', 'c']);
      expect(await poll(async () => gone(b))).toBe(true);
      expect(gone(a)).toBe(false);
    } finally {
      await ex.close();
    }
  });
});
