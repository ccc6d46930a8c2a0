import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolKeys } from '../../registry/keys.ts';
import { type MetricsServer, startMetricsServer } from '../support/metrics-server.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { type ScalerProcess, startFakeExecutors, startScaler, writeScalerFiles } from './scaler-process.ts';

const POOL = 'shutdown';

// Issue 20 point 5: an operator stopped Redis, then sent the scaler SIGTERM; it logged "scaler
// stopping" and hung until a second signal. Shutdown must end on one SIGTERM whatever Redis does.
describe('scaler shutdown while Redis is down (real scaler process, real redis-server)', () => {
  let redis: TestRedis;
  let metrics: MetricsServer;
  let dir: string;
  let executors: Awaited<ReturnType<typeof startFakeExecutors>> | undefined;
  let scaler: ScalerProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    metrics = await startMetricsServer();
    new Gauge({ name: 'demand', help: 'demand', registers: [metrics.registry] }).set(15);
    executors = await startFakeExecutors(2);
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-shutdown-'));
  });

  async function writeConfig(provider: string): Promise<string> {
    await rm(join(dir, 'policy.yaml'), { force: true });
    return writeScalerFiles(dir, {
      pool: POOL,
      redisUrl: redis.url,
      policy: [
        `pool: ${POOL}`,
        'interval: 1s',
        'hosts: { min: 1, max: 2 }',
        `provider: ${provider}`,
        `source: { gateway: { urls: [${JSON.stringify(metrics.url)}], timeout: 2s } }`,
        'metrics:',
        '  - { name: demand, query: sum(demand), target: { type: averagePerHost, value: 10 } }',
        'startup: { holdFor: 0s }',
      ],
      leaseTtl: '15s',
      logLevel: 'info',
      config: ['gateway: { executorSecret: shutdown-test-secret }'],
    });
  }

  afterAll(async () => {
    await scaler?.proc.kill();
    await executors?.stop();
    await metrics?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['static', () => `{ type: static, hosts: ${JSON.stringify(executors?.urls)} }`],
    ['process', () => '{ type: process, executors: 1 }'],
  ])(
    '%s provider: exits on one SIGTERM (code 0) after Redis was stopped',
    async (_name, provider) => {
      // Each case starts on a fresh, empty Redis (the previous case stopped it).
      await redis.restart();
      const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      const args = ['--executor-arg=--mode', '--executor-arg=simulated'];
      scaler = await startScaler(await writeConfig(provider()), args, {}, { stopTimeoutMs: 60_000 });
      await waitFor(
        'the scaler to register both hosts',
        async () => (await client.hlen(poolKeys(POOL).hosts)) === 2,
        30_000,
      );
      const hosts = await client.hgetall(poolKeys(POOL).hosts);
      client.disconnect();
      await redis.stop();
      // Let the scaler notice: a tick fails on the registry.
      await waitFor(
        'a tick that found Redis down',
        async () => scaler!.proc.output().includes('registry unavailable'),
        30_000,
      );
      // One SIGTERM; the helper would SIGKILL only after 60 s, and a SIGKILL shows as signal, not code 0.
      const exit = await scaler.proc.stop();
      expect(exit, scaler.proc.output().slice(-3000)).toEqual({ code: 0, signal: null });
      expect(scaler.proc.output()).toContain('scaler stopped');
      // The process provider leaves its executors running for the next leader: stop them here.
      for (const text of Object.values(hosts)) {
        const pid = Number((JSON.parse(text) as { labels: { pid?: string } }).labels.pid);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      }
    },
    120_000,
  );
});
