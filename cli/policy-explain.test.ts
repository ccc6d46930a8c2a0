import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { poolKeys } from '../registry/keys.ts';
import { createScalerApp } from '../scaler/http/app.ts';
import { startScalerHttp } from '../scaler/http/server.ts';
import { memoryDecisionLog, redisDecisionLog } from '../scaler/loop/decision-log.ts';
import type { TickRecord } from '../scaler/loop/record.ts';
import { captureIO as capture } from '../test/cli/capture.ts';
import { startRedis, type TestRedis } from '../test/support/redis.ts';
import { formatRecords, policyExplain } from './policy-explain.ts';

const record = (time: number, pool = 'web'): TickRecord => ({
  time,
  pool,
  leader: true,
  reason: 'ScaleUp',
  desired: 3,
  durationMs: 4,
  decision: {
    time,
    pool,
    mode: 'enforce',
    inputs: {
      hosts: { active: 1, booting: 0, draining: 0 },
      current: 1,
      metrics: {
        inflight: { ok: true, value: 24 },
        rps: { ok: false, reason: 'empty', detail: 'no series' },
      },
    },
    steps: [{ step: 'metric:inflight', value: 3, reason: 'Proposed' }],
    reason: 'ScaleUp',
    desired: 3,
    actions: [{ type: 'start', count: 2, execute: true }],
  },
  outcomes: [
    { action: 'start', hostId: 'web-p1', ok: true, detail: 'http://127.0.0.1:1' },
    { action: 'start', ok: false, detail: 'boom' },
  ],
});

describe('fleetgate policy explain', () => {
  let redis: TestRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('formats a record with inputs, steps, plan and outcomes', () => {
    const text = formatRecords([record(Date.UTC(2026, 0, 1))]);
    expect(text).toContain('2026-01-01T00:00:00.000Z  pool web  leader  ScaleUp  desired 3');
    expect(text).toContain('inflight=24; rps: no data (empty: no series)');
    expect(text).toContain('step metric:inflight');
    expect(text).toContain('plan start 2');
    expect(text).toContain('did start web-p1: ok');
    expect(text).toContain('did start: FAILED  boom');
  });

  it('shows each forecast: model, bound, error so far and whether it was trusted', () => {
    const r = record(Date.UTC(2026, 0, 1));
    r.decision!.forecasts = {
      inflight: {
        trusted: false,
        reason: 'ForecastUntrusted',
        model: 'seasonal:1h',
        point: 40,
        margin: 6,
        upper: 46,
        error: 0.412,
        coverage: 0.8,
        samples: 120,
        horizonSteps: 2,
        detail: '',
      },
    };
    expect(formatRecords([r])).toContain(
      'forecast inflight: seasonal:1h peak 46 (40 + margin 6) over 2 step(s); error 41.2 %, coverage 80 % over 120 steps: not trusted (ForecastUntrusted)',
    );
  });

  it('reads the shared capped list from Redis, newest first', async () => {
    const log = redisDecisionLog(client, (p) => poolKeys(p).decisions, 3);
    for (let t = 1; t <= 5; t++) await log.append(record(t));
    expect(await client.llen(poolKeys('web').decisions)).toBe(3);
    const c = capture();
    expect(await policyExplain(['--pool', 'web', '--redis', redis.url, '--json'], c.io)).toBe(0);
    expect((JSON.parse(c.out()) as TickRecord[]).map((r) => r.time)).toEqual([5, 4, 3]);
  });

  it('asks a running scaler over HTTP', async () => {
    const decisions = memoryDecisionLog();
    await decisions.append(record(7));
    const app = createScalerApp({
      pools: new Map([['web', { decisions, isLeader: () => true, mode: 'enforce' }]]),
      metrics: new Registry(),
      logger: silentLogger(),
      adminToken: 'explain-admin-token',
    });
    const http = await startScalerHttp(app, '127.0.0.1', 0);
    const env = { FLEETGATE_ADMIN_TOKEN: 'explain-admin-token' };
    try {
      const c = capture();
      const url = `http://127.0.0.1:${http.port}`;
      expect(await policyExplain(['--pool', 'web', '--url', url], { ...c.io, env })).toBe(0);
      expect(c.out()).toContain('ScaleUp');
      const missing = await policyExplain(['--pool', 'nope', '--url', url], { ...capture().io, env }).catch(
        (e: Error) => e.message,
      );
      expect(missing).toContain('unknown pool "nope"');
      const refused = await policyExplain(['--pool', 'web', '--url', url], {
        ...capture().io,
        env: {},
      }).catch((e: Error) => e.message);
      expect(refused).toContain('answered 401');
    } finally {
      await http.close();
    }
  });

  it('reads Redis as the config file says, with its password kept out of the URL and its key prefix', async () => {
    const locked = await startRedis({ password: 'explain-pw' });
    const writer = new Redis(locked.url);
    try {
      await redisDecisionLog(writer, (p) => poolKeys(p, 'cfgp').decisions).append(record(11));
      const bare = locked.url.replace(/\/\/[^@/]*@/, '//');
      const env = {
        FLEETGATE_REDIS_URL: bare,
        FLEETGATE_REDIS_PASSWORD: 'explain-pw',
        FLEETGATE_KEY_PREFIX: 'cfgp',
      };
      const c = capture();
      expect(await policyExplain(['--pool', 'web', '--json'], { ...c.io, env })).toBe(0);
      expect((JSON.parse(c.out()) as TickRecord[]).map((r) => r.time)).toEqual([11]);
      // Without the password the command fails with a clear message instead of hanging.
      const denied = await policyExplain(['--pool', 'web'], {
        ...capture().io,
        env: { FLEETGATE_REDIS_URL: bare },
      }).catch((e: Error) => e.message);
      expect(denied).toMatch(/^cannot read decision records from Redis: /);
    } finally {
      writer.disconnect();
      await locked.stop();
    }
  });

  it('says so when a pool has no records, and rejects a bad --limit', async () => {
    const c = capture();
    expect(await policyExplain(['--pool', 'empty', '--redis', redis.url], c.io)).toBe(0);
    expect(c.out()).toBe('no decision records for pool "empty"\n');
    await expect(policyExplain(['--limit', '0', '--redis', redis.url], capture().io)).rejects.toThrow(
      '--limit',
    );
  });
});
