import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors, startInProcessExecutor } from '../support/executors.ts';
import { call, GATEWAY_SECRET, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

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
    // The same counts reach /metrics, where the scaler reads them to drain the coldest host first.
    const metrics = await call(gw.url, 'GET', '/metrics');
    for (const h of res.body.hosts as { id: string; warmRuntimeCount: number }[]) {
      expect(metrics.text).toContain(`fleetgate_gateway_warm_runtimes{host="${h.id}"} ${h.warmRuntimeCount}`);
    }
  });
});

describe('placement resync and legacy health', () => {
  it('learns runtimes started behind its back from GET /v1/runtimes, and forgets reaped ones', async () => {
    const exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    const gw = await startTestGateway({ options: { executors: [exec.url] } });
    try {
      const id = new URL(exec.url).host;
      // Created directly on the executor, not through the gateway.
      const direct = await call(exec.url, 'POST', '/v1/runtimes', {
        body: { runtimeId: 'behind-back', image: 'openruntimes/node:v5-22' },
        auth: `Bearer ${exec.secret}`,
      });
      expect(direct.status).toBe(201);
      expect(gw.gateway.placement.isWarm('behind-back', id)).toBe(false);
      await gw.gateway.sync.syncNow();
      expect(gw.gateway.placement.isWarm('behind-back', id)).toBe(true);
      await call(exec.url, 'DELETE', '/v1/runtimes/behind-back', { auth: `Bearer ${exec.secret}` });
      await gw.gateway.sync.syncNow();
      expect(gw.gateway.placement.isWarm('behind-back', id)).toBe(false);
      const res = await call(gw.url, 'POST', '/v1/runtimes/via-gateway/executions', {
        body: simExecution(),
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-host']).toBe(id);
      expect(gw.gateway.placement.isWarm('via-gateway', id)).toBe(true);
      const bad = await call(gw.url, 'POST', '/v1/runtimes/bad%20id/executions', { body: simExecution() });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ type: 'general_argument_invalid' });
    } finally {
      await gw.close();
      await exec.close();
    }
  });

  it('reads usage and warm runtimes from the legacy /v1/health JSON of executors ≤ 0.16', async () => {
    const exec = await startInProcessExecutor({ mode: 'simulated', port: 0, legacyHealth: true });
    const gw = await startTestGateway({
      options: { executors: [exec.url], placement: { resyncInterval: 0 } },
    });
    try {
      const id = new URL(exec.url).host;
      await call(exec.url, 'POST', '/v1/runtimes', {
        body: { runtimeId: 'legacy-rt', image: 'openruntimes/node:v5-22' },
        auth: `Bearer ${exec.secret}`,
      });
      await gw.gateway.health.checkNow(true);
      expect(gw.gateway.placement.isWarm('legacy-rt', id)).toBe(true);
      const fleetView = await call(gw.url, 'GET', '/v1/fleet');
      expect(typeof fleetView.body.hosts[0].usage).toBe('number');
      expect(fleetView.body.hosts[0].warmRuntimes).toContain('legacy-rt');
    } finally {
      await gw.close();
      await exec.close();
    }
  });
});

describe('compatibility options', () => {
  it('OPR_PROXY_ALGORITHM=first sends keyless requests to the first host; hostHeader off hides the host', async () => {
    const execs = [
      await startInProcessExecutor({ mode: 'simulated', port: 0 }),
      await startInProcessExecutor({ mode: 'simulated', port: 0 }),
    ];
    const gw = await startTestGateway({
      options: { executors: execs.map((e) => e.url), algorithm: 'first' },
    });
    const hidden = await startTestGateway({
      options: { executors: execs.map((e) => e.url), hostHeader: false },
    });
    try {
      const first = new URL(execs[0]!.url).host;
      for (let i = 0; i < 5; i++) {
        const res = await call(gw.url, 'GET', '/v1/runtimes');
        expect(res.status).toBe(200);
        expect(res.headers['x-fleetgate-host']).toBe(first);
      }
      const res = await call(hidden.url, 'GET', '/v1/runtimes');
      expect(res.status).toBe(200);
      expect(res.headers['x-fleetgate-host']).toBeUndefined();
      expect(res.headers.server).toBe('Executor');
    } finally {
      await gw.close();
      await hidden.close();
      await Promise.all(execs.map((e) => e.close()));
    }
  });
});

describe('own endpoints and the access log', () => {
  it('guards /metrics and /v1/fleet with their tokens and logs each forwarded request at debug, without secrets', async () => {
    const exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    const gw = await startTestGateway({
      options: { executors: [exec.url], metricsToken: 'metrics-token', adminToken: 'admin-token' },
      logger: createLogger({ level: 'debug', destination }),
    });
    try {
      expect((await call(gw.url, 'GET', '/healthz', { auth: null })).status).toBe(200);
      expect((await call(gw.url, 'GET', '/metrics', { auth: null })).status).toBe(401);
      expect((await call(gw.url, 'GET', '/metrics')).status).toBe(401);
      const metrics = await call(gw.url, 'GET', '/metrics', { auth: 'Bearer metrics-token' });
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('fleetgate_gateway_hosts{state="active"} 1');
      expect((await call(gw.url, 'GET', '/v1/fleet', { auth: 'Bearer wrong' })).status).toBe(401);
      expect((await call(gw.url, 'GET', '/v1/fleet', { auth: 'Bearer admin-token' })).status).toBe(200);
      expect((await call(gw.url, 'GET', '/v1/fleet')).status).toBe(200);

      const res = await call(gw.url, 'POST', '/v1/runtimes/logged/executions', {
        body: simExecution(),
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      const after = await call(gw.url, 'GET', '/metrics', { auth: 'Bearer metrics-token' });
      expect(after.text).toMatch(
        /fleetgate_gateway_requests_total\{route="\/v1\/runtimes\/:runtimeId\/executions",method="POST",status_class="2xx",addressing="anycast-efficient"\} 1/,
      );
      expect(after.text).toContain(`fleetgate_gateway_cold_routes_total{host="${new URL(exec.url).host}"} 1`);
      const access = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
      expect(access).toMatchObject({
        method: 'POST',
        route: '/v1/runtimes/:runtimeId/executions',
        status: 200,
        host: new URL(exec.url).host,
        tries: 1,
      });
      const all = lines.join('\n');
      expect(all).not.toContain(GATEWAY_SECRET);
      expect(all).not.toContain(exec.secret);
    } finally {
      await gw.close();
      await exec.close();
    }
  });
});
