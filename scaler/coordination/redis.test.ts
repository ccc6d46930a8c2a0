import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.ts';
import { freePort } from '../../lib/free-port.ts';
import { poolKeys } from '../../registry/keys.ts';
import { startRedis, type TestRedis } from '../../test/support/redis.ts';
import { coordinationContract } from './contract.ts';
import { createCoordination } from './create.ts';
import { redisCoordination } from './redis.ts';

let redis: TestRedis;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

coordinationContract('redis', () => ({
  connect: (options) => redisCoordination({ connection: { url: redis.url }, ...options }),
  // What Redis does when a `PX` lease runs out: the key is gone.
  expireLease: async (pool) => {
    await admin.del(poolKeys(pool).leader);
  },
}));

describe('redis coordination', () => {
  it('keeps its keys where the registry says, under the configured prefix', async () => {
    const c = redisCoordination({ connection: { url: redis.url }, keyPrefix: 'other' });
    try {
      expect(await c.ready(5_000)).toBe(true);
      const lock = c.leaderLock('kp', 'me', 60_000);
      expect(lock.key).toBe(poolKeys('kp', 'other').leader);
      expect(await lock.acquire()).toBe(true);
      expect(await admin.get(poolKeys('kp', 'other').leader)).toBe('me');
      expect(await admin.pttl(poolKeys('kp', 'other').leader)).toBeGreaterThan(50_000);
      await c.decisions.append({
        time: 1,
        pool: 'kp',
        leader: true,
        reason: 'TickFailed',
        desired: null,
        outcomes: [],
        durationMs: 1,
      });
      expect(await admin.llen(poolKeys('kp', 'other').decisions)).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('is what createCoordination picks beside a Redis registry; memory without one', async () => {
    const memory = createCoordination({ connection: undefined, clock: systemClock });
    const shared = createCoordination({
      connection: { url: redis.url },
      keyPrefix: 'picked',
      clock: systemClock,
    });
    try {
      expect([memory.kind, shared.kind]).toEqual(['memory', 'redis']);
      expect(shared.leaderLock('p', 't', 1000).key).toBe(poolKeys('p', 'picked').leader);
    } finally {
      await Promise.all([memory.close(), shared.close()]);
    }
  });

  it('announces the connection to its listeners', async () => {
    const c = redisCoordination({ connection: { url: redis.url } });
    try {
      await new Promise<void>((resolve) => c.onConnected(resolve));
      expect(await c.ready(0)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('answers false instead of throwing when Redis is unreachable', async () => {
    const c = redisCoordination({
      connection: { url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 200 },
    });
    try {
      expect(await c.ready(300)).toBe(false);
      const lock = c.leaderLock('down', 't', 1000);
      expect(await lock.acquire()).toBe(false);
      expect(await lock.renew()).toBe(false);
      expect(await lock.release()).toBe(false);
      expect(await lock.holder()).toBeUndefined();
      await expect(
        c.decisions.append({
          time: 1,
          pool: 'down',
          leader: true,
          reason: 'TickFailed',
          desired: null,
          outcomes: [],
          durationMs: 1,
        }),
      ).rejects.toThrow();
    } finally {
      await c.close();
    }
  });
});
