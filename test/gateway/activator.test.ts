import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type ExecutorFleet, startExecutors, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { metricValue, runtimesOn } from './runtime-probes.ts';

// Issue 19, deliverable 1: the runtime activator. Real executor processes (simulated runtimes with a
// fixed cold start), a real gateway on a socket.

const COLD_START_MS = 600;

describe('runtime activator (2 executors, simulated cold start of 600 ms)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let on: TestGateway;
  let off: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'act',
      args: ['--sim-cold-start', String(COLD_START_MS)],
    });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    on = await startTestGateway({ registry, options: { activator: { enabled: true, queue: 4 } } });
    off = await startTestGateway({ registry, options: { activator: { enabled: false } } });
    await until('both hosts in both views', () =>
      [on, off].every((g) => g.gateway.fleet.hosts.filter((h) => h.state === 'active').length === 2),
    );
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('concurrent first calls: one create, the others join it, all answered 200 by one host', async () => {
    const calls = await Promise.all(
      Array.from({ length: 4 }, () =>
        call(on.url, 'POST', '/v1/runtimes/act-burst/executions', { body: simExecution() }),
      ),
    );
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    const waits = calls.map((c) => String(c.headers['x-fleetgate-cold-start']));
    expect(waits.filter((w) => w.startsWith('create;dur='))).toHaveLength(1);
    expect(waits.filter((w) => w.startsWith('joined;dur='))).toHaveLength(3);
    for (const w of waits)
      expect(Number(/dur=(\d+)/.exec(w)?.[1])).toBeGreaterThanOrEqual(COLD_START_MS - 50);
    expect(new Set(calls.map((c) => c.headers['x-fleetgate-host'])).size).toBe(1);
    expect(await metricValue(on, 'fleetgate_gateway_activator_creates_total', 'outcome="created"')).toBe(1);
    const where = await Promise.all(fleet.hosts.map((h) => runtimesOn(h.url)));
    expect(where.filter((names) => names.some((n) => n.endsWith('act-burst')))).toHaveLength(1);
    // Warm now: the next call is sent as it is, without a hold.
    const again = await call(on.url, 'POST', '/v1/runtimes/act-burst/executions', { body: simExecution() });
    expect(again.status).toBe(200);
    expect(again.headers['x-fleetgate-cold-start']).toBeUndefined();
  });

  it('past the per-runtime queue: 429 cold_start_queue_full with Retry-After, the rest answered', async () => {
    const calls = await Promise.all(
      Array.from({ length: 7 }, () =>
        call(on.url, 'POST', '/v1/runtimes/act-queue/executions', { body: simExecution() }),
      ),
    );
    const refused = calls.filter((c) => c.status === 429);
    expect(refused).toHaveLength(3);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(4);
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.body).toMatchObject({ code: 429, type: 'cold_start_queue_full' });
    }
  });

  it('the execution gets its whole timeout: a 1 s function after a 600 ms cold start', async () => {
    // 700 ms of work with `timeout: 1` (s): the executor alone counts the cold start in the timeout.
    const body = simExecution({ timeout: 1, headers: { 'x-sim-duration-ms': '700' } });
    const headers = { accept: 'application/json' };
    const without = await call(off.url, 'POST', '/v1/runtimes/act-timeout-off/executions', { body, headers });
    const withIt = await call(on.url, 'POST', '/v1/runtimes/act-timeout-on/executions', { body, headers });
    expect(without.status).toBe(400);
    expect(String(without.body.type)).toMatch(/timeout/);
    expect(withIt.status).toBe(200);
    expect(withIt.body).toMatchObject({ statusCode: 200 });
  });

  it('a create answered 409 (the runtime exists on the host) counts as success', async () => {
    // Created on both hosts behind the gateway's back: whichever it picks answers 409.
    for (const h of fleet.hosts) {
      const res = await request(`${h.url}/v1/runtimes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_EXECUTOR_SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify({ runtimeId: 'act-exists', image: 'openruntimes/node:v5-22', source: '' }),
      });
      await res.body.dump();
      expect(res.statusCode).toBe(201);
    }
    const before = await metricValue(on, 'fleetgate_gateway_activator_creates_total', 'outcome="exists"');
    const res = await call(on.url, 'POST', '/v1/runtimes/act-exists/executions', { body: simExecution() });
    expect(res.status).toBe(200);
    expect(String(res.headers['x-fleetgate-cold-start'])).toMatch(/^create;dur=\d+$/);
    expect(await metricValue(on, 'fleetgate_gateway_activator_creates_total', 'outcome="exists"')).toBe(
      before + 1,
    );
  });

  it('an execution without an image is sent as it is (the executor answers runtime_not_found)', async () => {
    const res = await call(on.url, 'POST', '/v1/runtimes/act-noimage/executions', {
      body: { body: 'x', timeout: 5 },
    });
    expect(res.status).toBe(404);
    expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
  });
});

describe('single flight across gateways (2 executors, 2 gateways)', () => {
  let fleet: ExecutorFleet;
  let redis: TestRedis;
  const registries: HostRegistry[] = [];
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    [fleet, redis] = await Promise.all([
      startExecutors(2, {
        mode: 'simulated',
        idPrefix: 'actx',
        args: ['--sim-cold-start', String(COLD_START_MS)],
      }),
      startRedis(),
    ]);
    const memory = new MemoryRegistry();
    const viaRedis = [0, 1].map(() => createRegistry({ type: 'redis', url: redis.url }));
    registries.push(memory, ...viaRedis);
    for (const r of [memory, viaRedis[0]!])
      for (const h of fleet.hosts) await r.register('default', { id: h.id, url: h.url, state: 'active' });
    // Two gateways sharing one in-memory registry, two gateways on one Redis.
    for (const r of [memory, memory, ...viaRedis])
      gateways.push(await startTestGateway({ registry: r, options: { activator: { enabled: true } } }));
    await until('both hosts in every view', () =>
      gateways.every((g) => g.gateway.fleet.hosts.filter((h) => h.state === 'active').length === 2),
    );
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all(registries.map((r) => r.close()));
    await fleet?.stop();
    await redis?.stop();
  });

  it.each([
    ['the memory registry', 0, 'actx-mem'],
    ['Redis', 2, 'actx-redis'],
  ])('on %s: first calls through both gateways make one create', async (_name, first, id) => {
    const pair = [gateways[first]!, gateways[first + 1]!];
    const calls = await Promise.all(
      [0, 1, 0, 1].map((g) =>
        call(pair[g]!.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() }),
      ),
    );
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    const waits = calls.map((c) => String(c.headers['x-fleetgate-cold-start']).split(';')[0]);
    expect(waits.filter((w) => w === 'create')).toHaveLength(1);
    // The other gateway waited for the first one's lock, then sent its executions.
    expect(waits.filter((w) => w === 'remote').length).toBeGreaterThanOrEqual(1);
    let created = 0;
    for (const g of pair)
      created += await metricValue(g, 'fleetgate_gateway_activator_creates_total', 'outcome="created"');
    expect(created).toBe(1);
    const where = await Promise.all(fleet.hosts.map((h) => runtimesOn(h.url)));
    expect(where.filter((names) => names.some((n) => n.endsWith(id)))).toHaveLength(1);
  });
});

describe('holding while the pool has no active host', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(1, {
      mode: 'simulated',
      idPrefix: 'actz',
      args: ['--sim-cold-start', '10'],
    });
    registry = new MemoryRegistry();
    gw = await startTestGateway({
      registry,
      options: { activator: { holdWhenNoHosts: true, holdTimeout: 30_000, maxHeld: 2, retryAfter: 3_000 } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('holds requests as demand, refuses past maxHeld, and releases them to the first active host', async () => {
    const held = () => metricValue(gw, 'fleetgate_gateway_held_requests', 'reason="no-hosts"');
    expect(await held()).toBe(0);
    const first = [1, 2].map((i) =>
      call(gw.url, 'POST', `/v1/runtimes/zero-${i}/executions`, { body: simExecution() }),
    );
    await until('two held requests', async () => (await held()) === 2);
    const refused = await call(gw.url, 'POST', '/v1/runtimes/zero-3/executions', { body: simExecution() });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ type: 'hold_limit' });
    expect(refused.headers['retry-after']).toBe('3');
    // A booting host does not release them; an active one does.
    const h = fleet.hosts[0]!;
    await registry.register('default', { id: h.id, url: h.url, state: 'booting' });
    await until('the booting host in the view', () => gw.gateway.fleet.hosts.length === 1);
    expect(await held()).toBe(2);
    await registry.setState('default', h.id, 'active');
    const answers = await Promise.all(first);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    for (const a of answers)
      expect(String(a.headers['x-fleetgate-cold-start'])).toMatch(/^no-hosts;dur=\d+$/);
    expect(await held()).toBe(0);
  });

  it('answers 503 no_hosts with Retry-After when no host comes within holdTimeout', async () => {
    const short = await startTestGateway({
      options: { activator: { holdWhenNoHosts: true, holdTimeout: 300 } },
    });
    try {
      const res = await call(short.url, 'POST', '/v1/runtimes/zero-x/executions', { body: simExecution() });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ type: 'no_hosts' });
      expect(res.headers['retry-after']).toBe('1');
      expect(
        await metricValue(
          short,
          'fleetgate_gateway_activator_holds_total',
          'reason="no-hosts",outcome="timeout"',
        ),
      ).toBe(1);
    } finally {
      await short.close();
    }
  });
});
