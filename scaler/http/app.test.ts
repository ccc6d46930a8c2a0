import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { memoryDecisionLog } from '../loop/decision-log.ts';
import type { TickRecord } from '../loop/record.ts';
import { createScalerApp, type PoolView } from './app.ts';

async function app(poolNames = ['a']) {
  const metrics = new Registry();
  createScalerMetrics(metrics).leader.set({ pool: 'a' }, 1);
  const pools = new Map<string, PoolView>();
  for (const name of poolNames) {
    const decisions = memoryDecisionLog();
    for (let i = 0; i < 3; i++) {
      const record: TickRecord = {
        time: i,
        pool: name,
        leader: true,
        reason: 'NoChange',
        desired: 1,
        outcomes: [],
        durationMs: 1,
      };
      await decisions.append(record);
    }
    pools.set(name, { decisions, isLeader: () => true, mode: 'enforce' });
  }
  return createScalerApp({ pools, metrics, logger: silentLogger(), adminToken: ADMIN });
}

const ADMIN = 'admin-token-3c1f';
const auth = { headers: { authorization: `Bearer ${ADMIN}` } };

describe('scaler HTTP app', () => {
  it('serves recent decision records newest first', async () => {
    const res = await (await app()).request('/explain?pool=a&limit=2', auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pool: string; records: TickRecord[] };
    expect(body.pool).toBe('a');
    expect(body.records.map((r) => r.time)).toEqual([2, 1]);
  });

  it('defaults to the only pool', async () => {
    const res = await (await app()).request('/explain', auth);
    expect(((await res.json()) as { records: unknown[] }).records).toHaveLength(3);
  });

  it.each([
    ['an unknown pool', ['a', 'secret-pool'], '/explain?pool=zz', 404, 'unknown pool "zz"'],
    ['no pool among several', ['a', 'b'], '/explain', 400, 'pool: required'],
    ['a bad limit', ['a'], '/explain?limit=0', 400, 'limit: must be 1-500'],
    ['a non-numeric limit', ['a'], '/explain?limit=x', 400, 'got "x"'],
  ])('answers %s with a JSON error', async (_n, pools, path, status, message) => {
    const res = await (await app(pools)).request(path, auth);
    expect(res.status).toBe(status);
    const text = ((await res.json()) as { message: string }).message;
    expect(text).toContain(message);
    // Issue 18 finding 6: errors listed every pool.
    expect(text).not.toContain('secret-pool');
    expect(text).not.toContain('a, b');
  });

  // Issue 18 finding 6: /explain was open to anyone who reached the port.
  it.each([
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['the token without Bearer', { authorization: ADMIN }],
  ])('answers /explain with %s by 401', async (_n, headers) => {
    const res = await (await app()).request('/explain?pool=a', { headers });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('NoChange');
  });

  it('keeps /explain closed when no admin token is configured', async () => {
    const a = createScalerApp({
      pools: new Map(),
      metrics: new Registry(),
      logger: silentLogger(),
      adminToken: undefined,
    });
    const res = await a.request('/explain', { headers: { authorization: 'Bearer ' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toContain('gateway.adminToken');
  });

  it('serves /metrics and /healthz', async () => {
    const a = await app();
    expect(await (await a.request('/metrics')).text()).toContain('fleetgate_scaler_leader{pool="a"} 1');
    expect(await (await a.request('/healthz')).json()).toEqual({
      status: 'ok',
      pools: { a: { leader: true, mode: 'enforce' } },
    });
  });
});
