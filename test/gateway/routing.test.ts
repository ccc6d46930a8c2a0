import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

// Four simulated executors behind one gateway with an in-memory registry: routing properties.
describe('gateway routing (simulated executors)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(4, {
      mode: 'simulated',
      idPrefix: 'route',
      args: ['--sim-cold-start', '20'],
    });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({ registry });
    await until('four hosts in the view', () => gw.gateway.fleet.hosts.length === 4);
  });

  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('sends the same runtime id to the same host while the fleet is unchanged', async () => {
    for (let r = 0; r < 12; r++) {
      const id = `sticky-${r}`;
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, {
          body: simExecution(),
          headers: { accept: 'application/json' },
        });
        expect(res.status, res.text).toBe(200);
        seen.add(String(res.headers['x-fleetgate-host']));
      }
      expect([...seen]).toHaveLength(1);
      expect(gw.gateway.fleet.ring.candidates(id, 1)).toEqual([...seen]);
    }
  });

  it('learns placement from executions and shows it in /v1/fleet', async () => {
    const res = await call(gw.url, 'GET', '/v1/fleet');
    expect(res.status).toBe(200);
    const total = res.body.hosts.reduce(
      (s: number, h: { warmRuntimeCount: number }) => s + h.warmRuntimeCount,
      0,
    );
    expect(total).toBeGreaterThanOrEqual(12);
    expect(res.text).not.toContain('executor-test-secret');
    expect(res.body.hosts[0]).toMatchObject({ healthy: true, state: 'active', inflight: 0 });
  });
});
