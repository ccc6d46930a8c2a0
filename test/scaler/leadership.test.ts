import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolKeys } from '../../registry/keys.ts';
import type { TickRecord } from '../../scaler/loop/record.ts';
import { type MetricsServer, startMetricsServer } from '../support/metrics-server.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import {
  EXPLAIN_HEADERS,
  type ScalerProcess,
  startFakeExecutors,
  startScaler,
  writeScalerFiles,
} from './scaler-process.ts';

const POOL = 'lead';
const LEASE_MS = 3000;

describe('leadership: two real scaler processes on one Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  let metrics: MetricsServer;
  let demand: Gauge;
  let dir: string;
  let executors: Awaited<ReturnType<typeof startFakeExecutors>> | undefined;
  const scalers: ScalerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    metrics = await startMetricsServer();
    demand = new Gauge({ name: 'demand', help: 'demand', registers: [metrics.registry] });
    demand.set(5);
    const urls: string[] = [];
    executors = await startFakeExecutors(2);
    urls.push(...executors.urls);
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-lead-'));
    await writeScalerFiles(dir, {
      pool: POOL,
      redisUrl: redis.url,
      policy: [
        `pool: ${POOL}`,
        'interval: 1s',
        'hosts: { min: 1, max: 2 }',
        `provider: { type: static, hosts: ${JSON.stringify(urls)} }`,
        `source: { gateway: { urls: [${JSON.stringify(metrics.url)}], timeout: 2s } }`,
        'metrics:',
        '  - { name: demand, query: sum(demand), target: { type: averagePerHost, value: 10 } }',
        'startup: { holdFor: 0s }',
      ],
      leaseTtl: `${LEASE_MS}ms`,
    });
  });

  afterAll(async () => {
    for (const s of scalers) await s.proc.kill();
    await executors?.stop();
    client?.disconnect();
    await metrics?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one leads and acts, the other follows in dry-run, and takes over within one lease after a SIGKILL', async () => {
    const a = await startScaler(join(dir, 'config.yaml'));
    scalers.push(a);
    await waitFor('scaler A to lead', () => a.isLeader(POOL), 20_000);
    const b = await startScaler(join(dir, 'config.yaml'));
    scalers.push(b);
    // B has ticked as a follower: its own records say so, and it wrote nothing to the shared list.
    const followerRecords = await waitFor(
      'a follower tick',
      async () => {
        const res = await fetch(`${b.url}/explain?pool=${POOL}&limit=5`, { headers: EXPLAIN_HEADERS });
        const body = (await res.json()) as { records: TickRecord[] };
        return body.records.length > 0 ? body.records : undefined;
      },
      20_000,
    );
    expect(followerRecords.every((r) => !r.leader)).toBe(true);
    expect(await b.isLeader(POOL)).toBe(false);

    // A registered one static host (demand 5 / target 10 → 1 host).
    const hostsKey = poolKeys(POOL).hosts;
    await waitFor('A to register one host', async () => (await client.hlen(hostsKey)) === 1, 20_000);
    const shared = (await client.lrange(poolKeys(POOL).decisions, 0, -1)).map(
      (t) => JSON.parse(t) as TickRecord,
    );
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.every((r) => r.leader)).toBe(true);

    // Kill the leader without letting it release the lock: the lease must run out.
    const ttl = await client.pttl(poolKeys(POOL).leader);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LEASE_MS);
    const killedAt = Date.now();
    await a.proc.kill();
    await waitFor('scaler B to take over', () => b.isLeader(POOL), 30_000);
    const tookOver = Date.now() - killedAt;
    // Lease + one renewal period (lease/3), with slack for a noisy 2-core machine.
    expect(tookOver).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 5000);

    // B now acts: more demand → a second host, registered by B.
    demand.set(15);
    await waitFor('B to register a second host', async () => (await client.hlen(hostsKey)) === 2, 20_000);

    // SIGTERM releases the lock at once.
    await b.proc.stop();
    expect(await client.exists(poolKeys(POOL).leader)).toBe(0);
  }, 120_000);

  // Issue 20: the first lock attempt ran before the Redis client had connected and, with the offline
  // queue off, failed; the next came a third of a lease later (5 s with the default 15 s lease).
  it('a scaler started alone campaigns once its Redis client is connected: its first tick already leads', async () => {
    const pool = 'lead-first';
    await writeScalerFiles(dir, {
      pool: pool,
      redisUrl: redis.url,
      policy: [
        `pool: ${pool}`,
        'interval: 1s',
        'hosts: { min: 1, max: 1 }',
        'provider: { type: static, hosts: [http://127.0.0.1:9] }',
        `source: { gateway: { urls: [${JSON.stringify(metrics.url)}], timeout: 2s } }`,
        'metrics:',
        '  - { name: demand, query: sum(demand), target: { type: averagePerHost, value: 1000 } }',
        'startup: { holdFor: 0s }',
        'mode: dryRun',
      ],
      // A long lease: a failed first attempt would be retried only 20 s later.
      leaseTtl: '60s',
      prefix: 'first-',
    });
    const s = await startScaler(join(dir, 'first-config.yaml'));
    scalers.push(s);
    const records = await waitFor(
      'a first tick',
      async () => {
        const res = await fetch(`${s.url}/explain?pool=${pool}&limit=100`, { headers: EXPLAIN_HEADERS });
        const body = (await res.json()) as { records: TickRecord[] };
        return body.records.length > 0 ? body.records : undefined;
      },
      20_000,
    );
    // Newest first: the last one is the first tick.
    expect(records.at(-1)!.leader).toBe(true);
    await s.proc.stop();
    expect(await client.exists(poolKeys(pool).leader)).toBe(0);
  }, 60_000);
});
