import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimesCommand } from '../../cli/runtimes-command.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { hasRuntime, metricValue } from './runtime-probes.ts';

// Issue 19, deliverables 2 and 5: runtime lifetime owned by the gateway. One executor that would keep
// runtimes for an hour; the gateway deletes what its policy no longer wants and pre-warms a runtime
// before its next call is due.

const ADMIN = 'keep-warm-admin';

describe('keep-warm (1 executor with a 1 h inactivity threshold)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(1, {
      mode: 'simulated',
      idPrefix: 'kw',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    const h = fleet.hosts[0]!;
    await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({
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
        },
      },
    });
    await until('the host in the view', () => gw.gateway.fleet.hosts.length === 1);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('without a history: the fixed keep-alive, then the gateway deletes the runtime', async () => {
    const url = fleet.hosts[0]!.url;
    const res = await call(gw.url, 'POST', '/v1/runtimes/kw-once/executions', { body: simExecution() });
    expect(res.status).toBe(200);
    expect(await hasRuntime(url, 'kw-once')).toBe(true);
    const explain = await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=kw-once', {
      auth: `Bearer ${ADMIN}`,
    });
    expect(explain.status).toBe(200);
    expect(explain.body).toMatchObject({ enabled: true, runtimeId: 'kw-once', plan: { basis: 'fixed' } });
    await until('the gateway to delete kw-once', async () => !(await hasRuntime(url, 'kw-once')), 10_000);
    expect(
      await metricValue(gw, 'fleetgate_gateway_keepwarm_deletes_total', `host="${fleet.hosts[0]!.id}"`),
    ).toBe(1);
    // Called again: a cold start after reaping, counted by cause.
    await call(gw.url, 'POST', '/v1/runtimes/kw-once/executions', { body: simExecution() });
    expect(await metricValue(gw, 'fleetgate_gateway_cold_starts_total', 'cause="after-reaping"')).toBe(1);
  });

  it('a runtime called every 2 s: deleted between calls, pre-warmed before each, the calls find it warm', async () => {
    const url = fleet.hosts[0]!.url;
    const headers: string[] = [];
    let deletedBetween = 0;
    for (let i = 0; i < 10; i++) {
      const res = await call(gw.url, 'POST', '/v1/runtimes/kw-periodic/executions', { body: simExecution() });
      expect(res.status).toBe(200);
      headers.push(String(res.headers['x-fleetgate-cold-start'] ?? ''));
      await new Promise((r) => setTimeout(r, 700));
      if (!(await hasRuntime(url, 'kw-periodic'))) deletedBetween += 1;
      await new Promise((r) => setTimeout(r, 1_300));
    }
    const explain = await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=kw-periodic', {
      auth: `Bearer ${ADMIN}`,
    });
    expect(explain.body.plan.basis).toBe('histogram');
    // Once the histogram is trusted (5 idle times), the runtime goes between calls and is back in time.
    expect(deletedBetween).toBeGreaterThanOrEqual(3);
    expect(headers.slice(-3)).toEqual(['', '', '']);
    expect(
      await metricValue(gw, 'fleetgate_gateway_prewarms_total', 'result="useful"'),
    ).toBeGreaterThanOrEqual(3);
  });

  it('fleetgate runtimes explain prints the histogram, the plan and the next pre-warm', async () => {
    let out = '';
    const io = {
      stdout: { write: (t: string) => (out += t) } as unknown as NodeJS.WritableStream,
      stderr: process.stderr,
      env: {},
    };
    const code = await runtimesCommand.run(
      ['explain', 'kw-periodic', '--gateway', gw.url, '--token', ADMIN],
      io,
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^runtime +kw-periodic$/m);
    expect(out).toMatch(/^plan +histogram \(head /m);
    expect(out).toMatch(/^next pre-warm /m);
    expect(out).toMatch(/█+ \d+$/m);
    await expect(
      runtimesCommand.run(['explain', 'kw-never', '--gateway', gw.url, '--token', ADMIN], io),
    ).rejects.toThrow(/no history of kw-never/);
  });

  it('the lifetime endpoint needs the admin token', async () => {
    const res = await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=kw-once');
    expect(res.status).toBe(401);
  });
});
