import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

// Issue 19, deliverable 5: cold starts by cause in fleetgate_gateway_cold_starts_total, with two real
// executor processes: a host drains (after-move), bounded loads spill a warm runtime's calls to the
// other host (overflow).

async function coldStarts(gw: TestGateway, cause: string): Promise<number> {
  const text = await gw.metricsRegistry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`fleetgate_gateway_cold_starts_total{cause="${cause}"}`));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
}

describe('cold starts by cause (2 executors)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'cause',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({
      registry,
      options: {
        activator: { enabled: true },
        keepWarm: { enabled: true, tick: 100, fixedKeepAlive: 600_000 },
      },
    });
    await until('both hosts in the view', () => gw.gateway.fleet.hosts.length === 2);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('every cause is exported from the start', async () => {
    for (const cause of ['first-call', 'after-reaping', 'after-move', 'overflow']) {
      expect(await coldStarts(gw, cause)).toBe(0);
    }
  });

  it('overflow: concurrent calls of a warm runtime spilled by bounded loads to the other host', async () => {
    const first = await call(gw.url, 'POST', '/v1/runtimes/spill/executions', { body: simExecution() });
    expect(first.status).toBe(200);
    expect(await coldStarts(gw, 'first-call')).toBe(1);
    const owner = gw.gateway.placement.hosts('spill');
    expect(owner).toHaveLength(1);
    const calls = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(gw.url, 'POST', '/v1/runtimes/spill/executions', {
          body: simExecution({ simDurationMs: 500 }),
          headers: { 'x-sim-duration-ms': '500' },
        }),
      ),
    );
    expect(calls.map((c) => c.status)).toEqual(Array(8).fill(200));
    // Some calls went to the host where spill was not warm: the first of them is the cold start.
    expect(gw.gateway.placement.hosts('spill')).toHaveLength(2);
    expect(await coldStarts(gw, 'overflow')).toBeGreaterThanOrEqual(1);
    expect(await coldStarts(gw, 'after-move')).toBe(0);
  });

  it('after a move: the host a runtime was warm on drains, its next call is cold on the other', async () => {
    const res = await call(gw.url, 'POST', '/v1/runtimes/mover/executions', { body: simExecution() });
    expect(res.status).toBe(200);
    const [warmOn] = gw.gateway.placement.hosts('mover');
    expect(warmOn).toBeDefined();
    await registry.setState('default', warmOn!, 'draining');
    await until(
      'the host draining in the view',
      () => gw.gateway.fleet.byId.get(warmOn!)?.state === 'draining',
    );
    const again = await call(gw.url, 'POST', '/v1/runtimes/mover/executions', { body: simExecution() });
    expect(again.status).toBe(200);
    expect(again.headers['x-fleetgate-cold-start']).toBeDefined();
    expect(await coldStarts(gw, 'after-move')).toBe(1);
    expect(await coldStarts(gw, 'after-reaping')).toBe(0);
    await registry.setState('default', warmOn!, 'active');
  });
});
