import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors, startInProcessExecutor } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

const EXEC = { accept: 'application/json', 'x-sim-duration-ms': '0' };

// Three executor processes; one is SIGKILLed while requests are in flight.
describe('failover when a host is killed mid-run', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(3, { mode: 'simulated', idPrefix: 'fo', args: ['--sim-cold-start', '10'] });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({ registry });
    await until('three hosts', () => gw.gateway.fleet.hosts.length === 3);
  });

  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('retries connect failures on the next host; only requests already sent to the dead host fail', async () => {
    const victim = fleet.hosts[1]!.id;
    const results: Array<{ status: number; type?: string; host?: string; startedAt: number }> = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const startedAt = performance.now();
        const res = await call(gw.url, 'POST', `/v1/runtimes/fo-${w}-${i % 7}/executions`, {
          body: simExecution({ body: JSON.stringify({ simDurationMs: 30 }) }),
          headers: { accept: 'application/json' },
        });
        results.push({
          status: res.status,
          type: res.body?.type,
          host: res.headers['x-fleetgate-host'] as string,
          startedAt,
        });
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await until('traffic on the victim', () => results.filter((r) => r.host === victim).length >= 5);
    await fleet.kill(1);
    await until('victim ejected', () => !gw.gateway.fleet.byId.get(victim)!.healthy);
    const ejectedAt = performance.now();
    await until(
      'traffic after the ejection',
      () => results.filter((r) => r.startedAt > ejectedAt).length >= 100,
      60_000,
    );
    stop = true;
    await Promise.all(workers);

    const failed = results.filter((r) => r.status !== 200);
    // A request that never reached a host is retried, so no failure is "unreachable": the only
    // failures are requests already written to the victim (in flight, or on a pooled connection the
    // kill had just closed), at most one per worker plus one per pooled connection.
    expect(
      failed.every((r) => r.type === 'upstream_failed'),
      JSON.stringify(failed),
    ).toBe(true);
    expect(failed.length).toBeLessThanOrEqual(16);
    const after = results.filter((r) => r.startedAt > ejectedAt);
    expect(after.every((r) => r.status === 200 && r.host !== victim)).toBe(true);
    const fleetView = await call(gw.url, 'GET', '/v1/fleet');
    const dead = fleetView.body.hosts.find((h: { id: string }) => h.id === victim);
    expect(dead.healthy).toBe(false);
    const metrics = await call(gw.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(new RegExp(`fleetgate_gateway_ejections_total\\{host="${victim}"\\} [1-9]`));
  });

  it('broadcast reaches every live host in parallel, answers 204 and names the dead one', async () => {
    const res = await call(gw.url, 'DELETE', '/v1/runtimes/nothing-here', {
      headers: { 'x-opr-addressing-method': 'broadcast' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['x-fleetgate-broadcast-failed']).toBe(fleet.hosts[1]!.id);
    const metrics = await call(gw.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/fleetgate_gateway_broadcasts_total\{outcome="partial"\} [1-9]/);
  });

  it('broadcast answers 204 when every host accepted (404 counts for DELETE)', async () => {
    await registry.deregister('default', fleet.hosts[1]!.id);
    await until('victim gone', () => gw.gateway.fleet.hosts.length === 2);
    await call(gw.url, 'POST', '/v1/runtimes/bc-1/executions', { body: simExecution(), headers: EXEC });
    const res = await call(gw.url, 'DELETE', '/v1/runtimes/bc-1', {
      headers: { 'x-opr-addressing-method': 'broadcast' },
    });
    expect(res.status).toBe(204);
    expect(gw.gateway.placement.hosts('bc-1')).toEqual([]);
  });
});

// An in-process executor is stopped and started again on the same port.
describe('ejection and readmission', () => {
  it('ejects a host that stops answering and readmits it after a successful probe', async () => {
    let exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    const port = exec.port;
    const gw = await startTestGateway({ options: { executors: [`127.0.0.1:${port}`] } });
    try {
      const id = `127.0.0.1:${port}`;
      const host = () => gw.gateway.fleet.byId.get(id)!;
      expect(
        (await call(gw.url, 'POST', '/v1/runtimes/ej/executions', { body: simExecution(), headers: EXEC }))
          .status,
      ).toBe(200);
      await exec.close();
      await until('ejected', () => !host().healthy);
      // Every host down: the gateway still tries the best one, then answers 502.
      const down = await call(gw.url, 'POST', '/v1/runtimes/ej/executions', {
        body: simExecution(),
        headers: EXEC,
      });
      expect(down.status).toBe(502);
      expect(down.body).toMatchObject({ type: 'upstream_unreachable' });
      const ready = await call(gw.url, 'GET', '/readyz', { auth: null });
      expect(ready.status).toBe(503);
      exec = await startInProcessExecutor({ mode: 'simulated', port });
      await until('readmitted', () => host().healthy);
      const back = await call(gw.url, 'POST', '/v1/runtimes/ej/executions', {
        body: simExecution(),
        headers: EXEC,
      });
      expect(back.status).toBe(200);
      const metrics = await call(gw.url, 'GET', '/metrics');
      expect(metrics.text).toContain(`fleetgate_gateway_readmissions_total{host="${id}"} 1`);
    } finally {
      await gw.close();
      await exec.close();
    }
  });
});

describe('per-request timeout', () => {
  it('answers 504 when the host does not answer within maxTimeout, and counts it as a timeout of that host', async () => {
    const exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    const gw = await startTestGateway({ options: { executors: [exec.url], maxTimeout: 1_000 } });
    try {
      const res = await call(gw.url, 'POST', '/v1/runtimes/slow/executions', {
        body: simExecution({ body: JSON.stringify({ simDurationMs: 4_000 }) }),
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ type: 'upstream_timeout' });
      const host = gw.gateway.fleet.hosts[0]!;
      expect(host.inflight).toBe(0);
      const metrics = await call(gw.url, 'GET', '/metrics');
      expect(metrics.text).toContain(
        `fleetgate_gateway_upstream_errors_total{host="${host.id}",kind="timeout"} 1`,
      );
    } finally {
      await gw.close();
      await exec.close();
    }
  });
});
