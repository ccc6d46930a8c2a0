import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { metricValue, runtimesOn } from './runtime-probes.ts';

// Issue 19, deliverable 4: warm handoff on topology change, with real executor processes. Keep-warm
// wants every runtime warm (10 min keep-alive); a host joins and takes over some runtimes' ring
// ownership: they are created on it before it gets their calls, and their old copies are deleted once
// that is done. Then a host drains: its runtimes are created on their next owner, and their calls
// find them warm.

const IDS = Array.from({ length: 12 }, (_, i) => `ho-${i}`);

describe('warm handoff (2 executors, the second joins later)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'handoff',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    const a = fleet.hosts[0]!;
    await registry.register('default', { id: a.id, url: a.url, state: 'active' });
    gw = await startTestGateway({
      registry,
      options: {
        activator: { enabled: true },
        keepWarm: { enabled: true, tick: 100, fixedKeepAlive: 600_000 },
      },
    });
    await until('the first host in the view', () => gw.gateway.fleet.hosts.length === 1);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('a host joins: the hot runtimes it now owns are created on it before their calls go there', async () => {
    const [a, b] = fleet.hosts as [(typeof fleet.hosts)[0], (typeof fleet.hosts)[0]];
    for (const id of IDS) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
    }
    expect(await runtimesOn(b.url)).toEqual([]);
    await registry.register('default', { id: b.id, url: b.url, state: 'active' });
    await until('both hosts in the view', () => gw.gateway.fleet.hosts.length === 2);
    const moved = IDS.filter((id) => gw.gateway.fleet.ring.candidates(id, 1)[0] === b.id);
    expect(moved.length).toBeGreaterThan(0);
    await until('the moved runtimes warm on the new host', () =>
      moved.every((id) => gw.gateway.placement.isWarm(id, b.id)),
    );
    const onB = await runtimesOn(b.url);
    for (const id of moved) expect(onB.some((n) => n.endsWith(`-${id}`))).toBe(true);
    expect(await metricValue(gw, 'fleetgate_gateway_keepwarm_handoffs_total{result="created"}')).toBe(
      moved.length,
    );
    // Their calls find them warm (no activator hold, no cold start of any cause).
    for (const id of moved) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
    }
    expect(await metricValue(gw, 'fleetgate_gateway_cold_starts_total{cause="after-move"}')).toBe(0);
    expect(await metricValue(gw, 'fleetgate_gateway_cold_starts_total{cause="overflow"}')).toBe(0);
    // The runtimes that stayed with the first host were not copied.
    const stayed = IDS.filter((id) => !moved.includes(id));
    for (const id of stayed) expect(gw.gateway.placement.hosts(id)).toEqual([a.id]);
    // Once warm on their new owner and idle, their old copies on the first host are deleted.
    await until('the old copies deleted from the first host', async () => {
      const onA = await runtimesOn(a.url);
      return moved.every((id) => !onA.some((n) => n.endsWith(`-${id}`)));
    });
    for (const id of moved) expect(gw.gateway.placement.hosts(id)).toEqual([b.id]);
    for (const id of stayed) expect((await runtimesOn(a.url)).some((n) => n.endsWith(`-${id}`))).toBe(true);
  });

  it('a host drains: its hot runtimes are created on their next owner, and their calls find them warm', async () => {
    const [a, b] = fleet.hosts as [(typeof fleet.hosts)[0], (typeof fleet.hosts)[0]];
    const onlyOnA = IDS.filter((id) => !gw.gateway.placement.isWarm(id, b.id));
    expect(onlyOnA.length).toBeGreaterThan(0);
    await registry.setState('default', a.id, 'draining');
    await until(
      'the first host draining in the view',
      () => gw.gateway.fleet.byId.get(a.id)?.state === 'draining',
    );
    await until('its runtimes warm on the other host', () =>
      onlyOnA.every((id) => gw.gateway.placement.isWarm(id, b.id)),
    );
    for (const id of onlyOnA) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
    }
    expect(await metricValue(gw, 'fleetgate_gateway_cold_starts_total{cause="after-move"}')).toBe(0);
  });
});
