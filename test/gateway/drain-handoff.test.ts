import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { HostLifecycle } from '../../scaler/loop/lifecycle.ts';
import { DEFAULT_LOOP_OPTIONS } from '../../scaler/loop/pool-loop.ts';
import { createStaticProvider } from '../../scaler/providers/static.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { metricValue, runtimesOn } from './runtime-probes.ts';

// Issue 19, deliverable 4: warm handoff *before* a drain. The scaler's drain path (HostLifecycle.drain)
// announces the drain in Redis and waits for the pool's keep-warm keeper, one of two real gateways,
// to create the host's hot runtimes on their next owner; only then is the host marked draining. Real
// redis-server, real executor processes (simulated runtimes), real gateways on sockets.

const IDS = Array.from({ length: 12 }, (_, i) => `dh-${i}`);

function lifecycle(registry: HostRegistry, handoffWaitMs: number): HostLifecycle {
  return new HostLifecycle({
    pool: 'default',
    registry,
    provider: createStaticProvider({ hosts: [], logger: silentLogger() }),
    clock: systemClock,
    logger: silentLogger(),
    metrics: createScalerMetrics(new Registry()),
    options: {
      ...DEFAULT_LOOP_OPTIONS,
      drainTimeoutMs: 60_000,
      bootTimeoutMs: 60_000,
      drainHandoffWaitMs: handoffWaitMs,
    },
  });
}

describe('handoff before a drain (2 gateways, 2 executors, 1 Redis, the scaler drain path)', () => {
  let fleet: ExecutorFleet;
  let redis: TestRedis;
  const registries: HostRegistry[] = [];
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    [fleet, redis] = await Promise.all([
      startExecutors(2, {
        mode: 'simulated',
        idPrefix: 'dh',
        args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
      }),
      startRedis(),
    ]);
    for (let i = 0; i < 3; i++) registries.push(createRegistry({ type: 'redis', url: redis.url }));
    for (const h of fleet.hosts)
      await registries[2]!.register('default', { id: h.id, url: h.url, state: 'active' });
    for (const registry of registries.slice(0, 2)) {
      gateways.push(
        await startTestGateway({
          registry,
          options: {
            activator: { enabled: true },
            keepWarm: { enabled: true, tick: 100, fixedKeepAlive: 600_000, leaseTtl: 1_500 },
          },
        }),
      );
    }
    await until('both hosts active in both views', () =>
      gateways.every((g) => g.gateway.fleet.hosts.filter((h) => h.state === 'active').length === 2),
    );
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    for (const r of registries) await r.close();
    await redis?.stop();
    await fleet?.stop();
  });

  it('the keeper creates the host’s hot runtimes on their next owner before the scaler marks it draining', async () => {
    const [a, b] = fleet.hosts as [(typeof fleet.hosts)[0], (typeof fleet.hosts)[0]];
    // Calls split between the gateways; the keeper saw only half of them itself.
    for (const [i, id] of IDS.entries()) {
      const res = await call(gateways[i % 2]!.url, 'POST', `/v1/runtimes/${id}/executions`, {
        body: simExecution(),
      });
      expect(res.status).toBe(200);
    }
    const onA = await runtimesOn(a.url);
    const onlyOnA = IDS.filter((id) => onA.some((n) => n.endsWith(`-${id}`)));
    expect(onlyOnA.length).toBeGreaterThan(0);
    for (const id of onlyOnA) expect((await runtimesOn(b.url)).some((n) => n.endsWith(`-${id}`))).toBe(false);
    // Every gateway knows every runtime (the shared log) before the drain is announced.
    await until('the calls merged by both gateways', () =>
      gateways.every((g) => IDS.every((id) => g.gateway.placement.hosts(id).length > 0)),
    );
    const outcome = await lifecycle(registries[2]!, 10_000).drain(a.id);
    expect(outcome).toEqual({ action: 'drain', hostId: a.id, ok: true, detail: 'warm handoff acknowledged' });
    // Acknowledged before the drain: every runtime that was only on A is warm on B already.
    const onB = await runtimesOn(b.url);
    for (const id of onlyOnA) expect(onB.some((n) => n.endsWith(`-${id}`))).toBe(true);
    expect((await registries[2]!.list('default')).hosts.find((h) => h.id === a.id)?.state).toBe('draining');

    // (The handoff's creates are counted by the keeper's activator: counted from here.)
    const createdBefore = await Promise.all(
      gateways.map((g) => metricValue(g, 'fleetgate_gateway_activator_creates_total{outcome="created"}')),
    );
    await until('the drain in both views', () =>
      gateways.every((g) => g.gateway.fleet.byId.get(a.id)?.state === 'draining'),
    );
    // Their next calls, through either gateway, find them warm on B: no create, no hold.
    for (const [i, id] of onlyOnA.entries()) {
      const res = await call(gateways[i % 2]!.url, 'POST', `/v1/runtimes/${id}/executions`, {
        body: simExecution(),
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
    }
    const createdAfter = await Promise.all(
      gateways.map((g) => metricValue(g, 'fleetgate_gateway_activator_creates_total{outcome="created"}')),
    );
    expect(createdAfter).toEqual(createdBefore);
  });
});
