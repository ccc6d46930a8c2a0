import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { hasRuntime, metricValue } from './runtime-probes.ts';

// Issue 19, deliverable 2: keep-warm shared by the pool's gateways. Two real gateways on one real
// redis-server, one real executor process (simulated runtimes) that would keep runtimes for an hour:
// one gateway is elected keeper and alone pre-warms and deletes; the other sends it its calls.

const ADMIN = 'keep-warm-admin';

async function keeperRole(gw: TestGateway, runtime: string): Promise<string | undefined> {
  const res = await call(gw.url, 'GET', `/v1/fleet/lifetime?runtime=${runtime}`, { auth: `Bearer ${ADMIN}` });
  return res.status === 200 ? res.body.keeper : undefined;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shared keep-warm (2 gateways, 1 Redis, 1 executor with a 1 h inactivity threshold)', () => {
  let fleet: ExecutorFleet;
  let redis: TestRedis;
  const registries: HostRegistry[] = [];
  const gateways: TestGateway[] = [];
  let keeper: TestGateway;
  let follower: TestGateway;

  beforeAll(async () => {
    [fleet, redis] = await Promise.all([
      startExecutors(1, {
        mode: 'simulated',
        idPrefix: 'kws',
        args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
      }),
      startRedis(),
    ]);
    for (let i = 0; i < 2; i++) registries.push(createRegistry({ type: 'redis', url: redis.url }));
    const h = fleet.hosts[0]!;
    await registries[0]!.register('default', { id: h.id, url: h.url, state: 'active' });
    for (const registry of registries) {
      gateways.push(
        await startTestGateway({
          registry,
          options: {
            adminToken: ADMIN,
            activator: { enabled: true },
            keepWarm: {
              enabled: true,
              tick: 100,
              binWidth: 500,
              bins: 20,
              minSamples: 5,
              margin: 0.3,
              fixedKeepAlive: 1_500,
              leaseTtl: 1_500,
            },
          },
        }),
      );
    }
    await until('the host in both views', () => gateways.every((g) => g.gateway.fleet.hosts.length === 1));
    // A first call through each gateway so both can explain a runtime, then one keeper is elected.
    for (const g of gateways) {
      const res = await call(g.url, 'POST', '/v1/runtimes/kws-probe/executions', { body: simExecution() });
      expect(res.status).toBe(200);
    }
    await until('one keeper elected', async () => {
      const roles = await Promise.all(gateways.map((g) => keeperRole(g, 'kws-probe')));
      return roles.includes('elected') && roles.includes('follower');
    });
    const roles = await Promise.all(gateways.map((g) => keeperRole(g, 'kws-probe')));
    keeper = gateways[roles.indexOf('elected')]!;
    follower = gateways[roles.indexOf('follower')]!;
    // Out of the way before the tests count deletes: the probe goes after its 1.5 s keep-alive.
    await until('the probe runtime deleted', async () => !(await hasRuntime(h.url, 'kws-probe')), 10_000);
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    for (const r of registries) await r.close();
    await redis?.stop();
    await fleet?.stop();
  });

  it('a runtime called only through the follower is not deleted by the keeper; once idle, it is', async () => {
    const url = fleet.hosts[0]!.url;
    // Created through the keeper: it knows the runtime warm and would delete it 1.5 s after this call.
    expect(
      (await call(keeper.url, 'POST', '/v1/runtimes/kws-busy/executions', { body: simExecution() })).status,
    ).toBe(200);
    for (let i = 0; i < 10; i++) {
      await pause(400);
      const res = await call(follower.url, 'POST', '/v1/runtimes/kws-busy/executions', {
        body: simExecution(),
      });
      expect(res.status).toBe(200);
      expect(await hasRuntime(url, 'kws-busy')).toBe(true);
    }
    const h = fleet.hosts[0]!.id;
    expect(await metricValue(keeper, 'fleetgate_gateway_keepwarm_deletes_total', `host="${h}"`)).toBe(1); // the probe only
    // The keeper merged the follower's calls into the runtime's history.
    const explain = await call(keeper.url, 'GET', '/v1/fleet/lifetime?runtime=kws-busy', {
      auth: `Bearer ${ADMIN}`,
    });
    expect(explain.body.idleTimes.total).toBeGreaterThanOrEqual(9);
    // Idle now: the keeper deletes it after the keep-alive; the follower deletes nothing.
    await until('the keeper to delete kws-busy', async () => !(await hasRuntime(url, 'kws-busy')), 10_000);
    expect(await metricValue(keeper, 'fleetgate_gateway_keepwarm_deletes_total', `host="${h}"`)).toBe(2);
    expect(
      Number.isNaN(await metricValue(follower, 'fleetgate_gateway_keepwarm_deletes_total', `host="${h}"`)),
    ).toBe(true);
  });

  it('a runtime called every 2 s through both gateways in turn: pre-warmed once before each call, by the keeper', async () => {
    const url = fleet.hosts[0]!.url;
    const exists = (g: TestGateway) =>
      metricValue(g, 'fleetgate_gateway_activator_creates_total', 'outcome="exists"');
    // The probe's second first call (through the other gateway) was one: counted from here.
    const existsBefore = await Promise.all(gateways.map(exists));
    const warmWhenCalled: boolean[] = [];
    let deletedBetween = 0;
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? keeper : follower;
      warmWhenCalled.push(await hasRuntime(url, 'kws-periodic'));
      const res = await call(via.url, 'POST', '/v1/runtimes/kws-periodic/executions', {
        body: simExecution(),
      });
      expect(res.status).toBe(200);
      await pause(700);
      if (!(await hasRuntime(url, 'kws-periodic'))) deletedBetween += 1;
      await pause(1_300);
    }
    const explain = await call(follower.url, 'GET', '/v1/fleet/lifetime?runtime=kws-periodic', {
      auth: `Bearer ${ADMIN}`,
    });
    // Both gateways hold the pool's history: the follower's plan is the histogram's too.
    expect(explain.body.plan.basis).toBe('histogram');
    expect(deletedBetween).toBeGreaterThanOrEqual(3);
    expect(warmWhenCalled.slice(-3)).toEqual([true, true, true]);
    expect(
      await metricValue(keeper, 'fleetgate_gateway_prewarms_total', 'result="useful"'),
    ).toBeGreaterThanOrEqual(3);
    // One pre-warm per gap: no create answered 409 (a second gateway's pre-warm), and none by the follower.
    expect(await Promise.all(gateways.map(exists))).toEqual(existsBefore);
    expect(await metricValue(follower, 'fleetgate_gateway_prewarms_total', 'result="useful"')).toBe(0);
  });
});
