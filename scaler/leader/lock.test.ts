import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';
import { poolKeys } from '../../registry/keys.ts';
import { startRedis, type TestRedis } from '../../test/support/redis.ts';
import { createLeaderElector } from './elector.ts';
import { createLeaderLock } from './lock.ts';

describe('leader lock on a real Redis', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  const client = (url = redis.url) => {
    const c = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const ready = (c: Redis) =>
    new Promise<void>((r) => (c.status === 'ready' ? r() : c.once('ready', () => r())));

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  it('lets one holder in, renews only for the holder, and frees on release', async () => {
    const key = poolKeys('lock-a').leader;
    const [ca, cb] = [client(), client()];
    await Promise.all([ready(ca), ready(cb)]);
    const a = createLeaderLock({ client: ca, key, token: 'a', ttlMs: 10_000 });
    const b = createLeaderLock({ client: cb, key, token: 'b', ttlMs: 10_000 });
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.acquire()).toBe(true); // re-acquiring one's own lock extends it
    expect(await a.renew()).toBe(true);
    expect(await b.renew()).toBe(false);
    expect(await b.release()).toBe(false);
    expect(await a.holder()).toBe('a');
    expect(await a.release()).toBe(true);
    expect(await b.acquire()).toBe(true);
    expect(await a.renew()).toBe(false);
    expect(await b.holder()).toBe('b');
  });

  it('frees the lock when the holder stops renewing (lease expiry), and the old holder cannot extend it', async () => {
    const key = poolKeys('lock-b').leader;
    const c = client();
    await ready(c);
    const a = createLeaderLock({ client: c, key, token: 'a', ttlMs: 300 });
    const b = createLeaderLock({ client: c, key, token: 'b', ttlMs: 300 });
    expect(await a.acquire()).toBe(true);
    const deadline = Date.now() + 10_000;
    let got = false;
    while (!got && Date.now() < deadline) {
      got = await b.acquire();
      if (!got) await new Promise((r) => setTimeout(r, 50));
    }
    expect(got).toBe(true);
    expect(await a.renew()).toBe(false);
  });

  it('answers false instead of throwing when Redis is unreachable', async () => {
    const c = client(`redis://127.0.0.1:${await freePort()}`);
    const lock = createLeaderLock({ client: c, key: 'k', token: 't', ttlMs: 1000 });
    expect(await lock.acquire()).toBe(false);
    expect(await lock.renew()).toBe(false);
    expect(await lock.release()).toBe(false);
    expect(await lock.holder()).toBeUndefined();
  });

  it('elector: steps down when the lock is taken away, and hands over on stop', async () => {
    const key = poolKeys('lock-c').leader;
    const c = client();
    await ready(c);
    const changes: boolean[] = [];
    const a = createLeaderElector({
      lock: createLeaderLock({ client: c, key, token: 'a', ttlMs: 10_000 }),
      renewEveryMs: 1000,
      logger: silentLogger(),
      onChange: (l) => changes.push(l),
    });
    const b = createLeaderElector({
      lock: createLeaderLock({ client: c, key, token: 'b', ttlMs: 10_000 }),
      renewEveryMs: 1000,
      logger: silentLogger(),
    });
    expect(await a.step()).toBe(true);
    expect(await b.step()).toBe(false);
    await c.set(key, 'intruder');
    expect(await a.step()).toBe(false);
    await c.del(key);
    expect(await a.step()).toBe(true);
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(await b.step()).toBe(true);
    expect(changes).toEqual([true, false, true, false]);
    await b.stop();
  });
});
