import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/logger.ts';
import { createExecutorMetrics } from '../metrics/executor.ts';
import type { RuntimeBackend, RuntimeInstance, RuntimeSpec } from './backend.ts';
import { ExecutorError } from './errors.ts';
import { RuntimeTable } from './runtimes.ts';

/** A backend whose starts finish when the test says so. */
function fakeBackend() {
  const starts: Array<{ spec: RuntimeSpec; resolve: () => void; reject: (e: Error) => void }> = [];
  const stopped: string[] = [];
  const backend: RuntimeBackend = {
    mode: 'simulated',
    start(spec, context) {
      (backend as { lastLog?: (line: string) => void }).lastLog = context.log;
      return new Promise<RuntimeInstance>((resolve, reject) => {
        context.signal.addEventListener('abort', () =>
          reject(
            context.signal.reason instanceof ExecutorError
              ? context.signal.reason
              : new ExecutorError('runtime_failed', 'aborted'),
          ),
        );
        starts.push({
          spec,
          reject,
          resolve: () =>
            resolve({
              pid: undefined,
              memoryMb: spec.memoryMb,
              execute: async () => ({
                statusCode: 200,
                headers: {},
                body: Buffer.from('ok'),
                logs: '',
                errors: '',
              }),
              stop: async () => {
                stopped.push(spec.id);
              },
              onExit: () => {},
            }),
        });
      });
    },
  };
  return { backend, starts, stopped };
}

function spec(id: string, startTimeoutMs = 600_000): RuntimeSpec {
  return {
    id,
    startTimeoutMs,
    image: 'sim',
    source: '',
    entrypoint: '',
    variables: {},
    cpus: 1,
    memoryMb: 256,
    version: 'v5',
    runtimeEntrypoint: '',
    key: 'k',
    hostname: 'h',
  };
}

function setup(
  overrides: { maxRuntimes?: number; inactiveThresholdMs?: number; memoryCapacityMb?: number } = {},
) {
  const clock = new ManualClock(1_000_000);
  const fake = fakeBackend();
  const registry = new Registry();
  const metrics = createExecutorMetrics(registry);
  const table = new RuntimeTable({
    backend: fake.backend,
    clock,
    logger: silentLogger(),
    metrics,
    inactiveThresholdMs: overrides.inactiveThresholdMs ?? 60_000,
    maxRuntimes: overrides.maxRuntimes ?? 10,
    memoryCapacityMb: overrides.memoryCapacityMb,
  });
  const flush = () => new Promise((r) => setImmediate(r));
  return { clock, table, registry, metrics, flush, ...fake };
}

async function warm(t: ReturnType<typeof setup>, id: string) {
  const p = t.table.acquire(id, spec(id), t.clock.now() + 10_000);
  await t.flush();
  t.starts.at(-1)!.resolve();
  const entry = await p;
  await t.table.execute(entry, {
    method: 'GET',
    path: '/',
    headers: {},
    body: Buffer.alloc(0),
    timeoutMs: 1000,
    logging: true,
  });
}

describe('RuntimeTable', () => {
  it('shares one cold start between concurrent first acquires', async () => {
    const t = setup();
    const waits = Array.from({ length: 10 }, () => t.table.acquire('fn', spec('fn'), t.clock.now() + 10_000));
    await t.flush();
    expect(t.starts).toHaveLength(1);
    t.starts[0]!.resolve();
    const entries = await Promise.all(waits);
    expect(new Set(entries).size).toBe(1);
    expect(entries[0]!.inflight).toBe(10);
    expect((await t.metrics.coldStarts.get()).values[0]?.value).toBe(1);
  });

  it('rejects a create while the runtime exists or is starting with runtime_conflict', async () => {
    const t = setup();
    t.table.create(spec('fn'));
    expect(() => t.table.create(spec('fn'))).toThrow(
      expect.objectContaining({ type: 'runtime_conflict', status: 409 }),
    );
  });

  it('answers runtime_not_found when absent and no spec is given', async () => {
    const t = setup();
    await expect(t.table.acquire('nope', undefined, t.clock.now() + 1000)).rejects.toMatchObject({
      type: 'runtime_not_found',
      status: 404,
    });
  });

  it('answers runtime_timeout when the start outlives the deadline, and frees the slot', async () => {
    const t = setup();
    const p = t.table.acquire('slow', spec('slow'), t.clock.now() + 20);
    await expect(p).rejects.toMatchObject({ type: 'runtime_timeout' });
    expect(t.table.get('slow')!.inflight).toBe(0);
  });

  // Issue 18 finding 4: a start that never finished was never stopped.
  it('aborts a start past its own deadline even when no caller waits any more', async () => {
    const t = setup();
    const entry = t.table.create(spec('hung', 30));
    await expect(entry.ready).rejects.toMatchObject({ type: 'runtime_timeout' });
    expect(t.table.get('hung')).toBeUndefined();
  });

  it('refuses a start when --max-runtimes starts are already under way (503)', async () => {
    const t = setup({ maxRuntimes: 3 });
    for (const id of ['a', 'b', 'c']) t.table.create(spec(id));
    expect(() => t.table.create(spec('d'))).toThrow(
      expect.objectContaining({ type: 'runtime_failed', status: 503 }),
    );
    expect(t.table.list()).toHaveLength(3);
  });

  // Issue 18 finding 7: output was capped at 1,000 "lines" of any size.
  it('keeps at most 1 MiB of output per runtime, oldest lines dropped first', async () => {
    const t = setup();
    const entry = t.table.create(spec('loud'));
    const log = (t.backend as unknown as { lastLog?: (l: string) => void }).lastLog;
    expect(log).toBeTypeOf('function');
    for (let i = 0; i < 100; i++) log!(`${i} ${'x'.repeat(64 * 1024)}`);
    const held = entry.output.reduce((n, l) => n + l.content.length, 0);
    expect(held).toBeLessThanOrEqual(1024 * 1024);
    expect(entry.output.at(-1)!.content.startsWith('99 ')).toBe(true);
  });

  it('forgets a runtime whose start failed so the next request starts it again', async () => {
    const t = setup();
    const p = t.table.acquire('bad', spec('bad'), t.clock.now() + 10_000);
    await t.flush();
    t.starts[0]!.reject(new ExecutorError('runtime_failed', 'exit 1'));
    await expect(p).rejects.toMatchObject({ type: 'runtime_failed' });
    expect(t.table.get('bad')).toBeUndefined();
  });

  it('reaps runtimes idle past the threshold, and only those', async () => {
    const t = setup({ inactiveThresholdMs: 60_000 });
    await warm(t, 'old');
    t.clock.advance(30_000);
    await warm(t, 'recent');
    t.clock.advance(30_000);
    // Exactly the threshold is not past it (the real executor compares strictly).
    expect(await t.table.sweep()).toEqual([]);
    t.clock.advance(1);
    expect(await t.table.sweep()).toEqual(['old']);
    expect(t.stopped).toEqual(['old']);
    expect(t.table.list().map((e) => e.spec.id)).toEqual(['recent']);
    const stopped = await t.metrics.runtimesStopped.get();
    expect(stopped.values).toEqual([expect.objectContaining({ labels: { reason: 'idle' }, value: 1 })]);
  });

  it('never reaps a runtime with an execution in flight', async () => {
    const t = setup({ inactiveThresholdMs: 1000 });
    await warm(t, 'busy');
    const entry = await t.table.acquire('busy', undefined, t.clock.now() + 1000);
    t.clock.advance(5000);
    entry.updated = t.clock.now() - 5000;
    expect(await t.table.sweep()).toEqual([]);
  });

  it('evicts the least recently used idle runtime when the cap is reached', async () => {
    const t = setup({ maxRuntimes: 2 });
    await warm(t, 'a');
    t.clock.advance(10);
    await warm(t, 'b');
    t.clock.advance(10);
    await warm(t, 'a'); // a is now more recent than b
    t.clock.advance(10);
    await warm(t, 'c');
    await t.flush();
    expect(t.stopped).toEqual(['b']);
    expect(
      t.table
        .list()
        .map((e) => e.spec.id)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('evicts least recently used runtimes to keep declared memory under the capacity', async () => {
    const t = setup({ memoryCapacityMb: 600 }); // three 256 MB runtimes do not fit
    await warm(t, 'a');
    t.clock.advance(10);
    await warm(t, 'b');
    t.clock.advance(10);
    await warm(t, 'c');
    await t.flush();
    expect(t.stopped).toEqual(['a']);
    expect((await t.metrics.runtimeMemory.get()).values[0]?.value).toBe(2 * 256 * 1024 * 1024);
  });

  it('stopAll stops warm runtimes and aborts starting ones', async () => {
    const t = setup();
    await warm(t, 'warm');
    const starting = t.table.acquire('cold', spec('cold'), t.clock.now() + 10_000);
    await t.flush();
    await t.table.stopAll();
    await expect(starting).rejects.toMatchObject({ type: 'runtime_failed' });
    expect(t.stopped).toEqual(['warm']);
    expect(t.table.list()).toEqual([]);
  });
});
