import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { holds, metricSum, runtimesOn } from './runtime-probes.ts';

// Issue 19: with lifetime left to the gateway, keep-warm trims the surplus copies of a runtime it
// wants warm (warm on more hosts than the pick sends it to) and keeps the one the pick uses.

const IDS = Array.from({ length: 6 }, (_, i) => `sp-${i}`);

describe('keep-warm surplus copies (2 executors with a 1 h inactivity threshold)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'surplus',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({
      registry,
      options: {
        activator: { enabled: true },
        placement: { maxEntries: 1_000, resyncInterval: 200 },
        keepWarm: { enabled: true, tick: 100, fixedKeepAlive: 600_000, surplusIdle: 300, handoff: false },
      },
    });
    await until('both hosts in the view', () => gw.gateway.fleet.hosts.length === 2);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('a wanted runtime warm on two hosts keeps the copy the pick uses; the other is deleted once idle', async () => {
    const owner = (id: string) => gw.gateway.fleet.ring.candidates(id, 1)[0]!;
    for (const id of IDS) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
    }
    // A second copy of each on the host that does not own it, as an overflow or a move leaves one.
    for (const id of IDS) {
      const other = fleet.hosts.find((h) => h.id !== owner(id))!;
      const res = await request(`${other.url}/v1/runtimes/${id}/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_EXECUTOR_SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify(simExecution()),
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
    }
    await until(
      'the copies off their ring owner deleted',
      async () => {
        for (const h of fleet.hosts) {
          const names = await runtimesOn(h.url);
          if (IDS.some((id) => owner(id) !== h.id && holds(names, id))) return false;
        }
        return true;
      },
      10_000,
    );
    // The copies on the owners stay: the policy still wants them warm (10-minute fallback).
    for (const id of IDS) {
      const url = fleet.hosts.find((h) => h.id === owner(id))!.url;
      expect(holds(await runtimesOn(url), id)).toBe(true);
      expect(gw.gateway.placement.hosts(id)).toEqual([owner(id)]);
    }
    expect(await metricSum(gw, 'fleetgate_gateway_keepwarm_trims_total')).toBe(IDS.length);
    expect(await metricSum(gw, 'fleetgate_gateway_keepwarm_deletes_total')).toBe(IDS.length);
    // Called again: warm on the owner, no activator hold.
    for (const id of IDS) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
    }
  });
});
