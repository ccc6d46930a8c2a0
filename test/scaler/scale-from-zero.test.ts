import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { Host, HostRegistry } from '../../registry/types.ts';
import {
  call,
  GATEWAY_SECRET,
  simExecution,
  startTestGateway,
  type TestGateway,
} from '../gateway/harness.ts';
import { TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import {
  EXPLAIN_HEADERS,
  type ScalerProcess,
  startScaler,
  stopExecutorsOf,
  writeScalerFiles,
} from './scaler-process.ts';

// Issue 19, deliverable 7: a pool at zero hosts, one request. The gateway holds it and exports it as
// held demand; the scaler (a real `fleetgate scaler` process reading the gateway's /metrics) boots an
// executor process; the gateway releases the request to it, and it is answered 200.

const POOL = 'zero';

const POLICY = (gatewayUrl: string) => `
pool: ${POOL}
interval: 1s
hosts: { min: 0, max: 2 }
scaleToZero: { enabled: true, idleFor: 0s }
provider: { type: process, executors: 0 }
source: { gateway: { urls: [${JSON.stringify(gatewayUrl)}] } }
metrics:
  - name: held
    # Requests the gateways hold because the pool has no active host.
    query: sum(fleetgate_gateway_held_requests)
    target: { type: averagePerHost, value: 1 }
    onEmpty: hold
scaleUp: { stabilizationWindow: 0s }
scaleDown: { stabilizationWindow: 60s }
panic: { enabled: false }
capacity: { bootTimeout: 60s }
startup: { holdFor: 0s }
`;

describe('scale from zero: a held request wakes the pool', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let gateway: TestGateway;
  let scaler: ScalerProcess | undefined;
  let dir: string;
  const seen: Host[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    registry = createRegistry({ type: 'redis', url: redis.url, reloadIntervalMs: 1000 });
    gateway = await startTestGateway({
      registry,
      pool: POOL,
      options: { activator: { holdWhenNoHosts: true, holdTimeout: 90_000 } },
    });
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-zero-'));
    await writeScalerFiles(dir, {
      pool: POOL,
      redisUrl: redis.url,
      policy: POLICY(gateway.url),
      leaseTtl: '3s',
      logLevel: 'info',
      config: [`gateway: { secret: ${GATEWAY_SECRET}, executorSecret: ${TEST_EXECUTOR_SECRET} }`],
    });
  });

  afterAll(async () => {
    await scaler?.proc.stop();
    if (registry)
      stopExecutorsOf([...seen, ...(await registry.list(POOL).catch(() => ({ hosts: [] }))).hosts]);
    await gateway?.close();
    await registry?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stays at zero without demand; one request boots a host and is answered 200', async () => {
    scaler = await startScaler(join(dir, 'config.yaml'), [
      '--executor-arg=--mode',
      '--executor-arg=simulated',
      '--executor-arg=--sim-cold-start',
      '--executor-arg=10',
    ]);
    // Three ticks that read the gateway's held demand (0) and kept the pool at zero.
    await waitFor(
      'three decisions at zero hosts',
      async () => {
        const res = await fetch(`${scaler!.url}/explain?pool=${POOL}&limit=50`, { headers: EXPLAIN_HEADERS });
        if (!res.ok) return false;
        const body = (await res.json()) as { records: Array<{ desired: number | null }> };
        return body.records.filter((r) => r.desired === 0).length >= 3;
      },
      30_000,
    );
    expect((await registry.list(POOL)).hosts).toHaveLength(0);

    const started = performance.now();
    const res = await call(gateway.url, 'POST', '/v1/runtimes/zero-1/executions', {
      body: simExecution(),
      headers: { accept: 'application/json' },
    });
    const seconds = (performance.now() - started) / 1000;
    seen.push(...(await registry.list(POOL)).hosts);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200 });
    expect(String(res.headers['x-fleetgate-cold-start'])).toMatch(/^no-hosts;dur=\d+$/);
    const hosts = (await registry.list(POOL)).hosts;
    expect(hosts.map((h) => h.state)).toEqual(['active']);
    expect(res.headers['x-fleetgate-host']).toBe(hosts[0]!.id);
    // The figure the README quotes: from the request to its answer, host boot included.
    console.log(`scale from zero: request answered 200 after ${seconds.toFixed(2)} s`);
  });
});
