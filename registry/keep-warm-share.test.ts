import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../test/support/redis.ts';
import { createRegistry } from './create-registry.ts';
import { poolKeys } from './keys.ts';
import type { HostRegistry } from './types.ts';

// The keep-warm share and the drain intents on a real redis-server.

describe('keep-warm share in Redis', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    registry = createRegistry({ type: 'redis', url: redis.url });
    client = new Redis(redis.url);
    // The registry fails fast until its connection is up.
    while (!registry.healthy()) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    client?.disconnect();
    await registry?.close();
    await redis?.stop();
  });

  it('batches come back in order from a cursor, and the log is capped', async () => {
    const share = registry.keepWarmShare!('log');
    for (let i = 0; i < 5; i++) await share.publish(`b${i}`, 1_000);
    const first = await share.read('0', 3);
    expect(first.batches).toEqual(['b0', 'b1', 'b2']);
    const rest = await share.read(first.cursor, 3);
    expect(rest.batches).toEqual(['b3', 'b4']);
    expect(await share.read(rest.cursor, 3)).toEqual({ cursor: rest.cursor, batches: [] });
    // MAXLEN ~: Redis trims whole nodes, so far past the cap the log is bounded.
    for (let i = 0; i < 2_000; i++) await share.publish('x', 10);
    expect(await client.xlen(poolKeys('log').keepWarmCalls)).toBeLessThan(200);
  });

  it('one holder of the keeper lease at a time', async () => {
    const share = registry.keepWarmShare!('lease');
    const a = share.lease('a', 5_000);
    const b = share.lease('b', 5_000);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await b.acquire()).toBe(true);
  });

  it('a drain with no keeper is not waited for', async () => {
    const intents = registry.drainIntents!('nokeeper');
    expect(await intents.announce('host-1', 10_000)).toBe('no-keeper');
    expect(await client.hlen(poolKeys('nokeeper').drainIntents)).toBe(0);
  });

  it('a keeper that never acknowledges is waited for at most the bound; the intent is then withdrawn', async () => {
    await client.set(poolKeys('silent').keeper, 'a-gateway', 'PX', 60_000);
    const share = registry.keepWarmShare!('silent');
    const waiting = registry.drainIntents!('silent').announce('host-1', 300);
    let seen: string[] = [];
    while (seen.length === 0) seen = await share.drainIntents();
    expect(seen).toEqual(['host-1']);
    expect(await waiting).toBe('timeout');
    expect(await share.drainIntents()).toEqual([]);
    // Too late: an acknowledgement after the scaler gave up is dropped.
    await share.ackDrain('host-1');
    expect(await client.hlen(poolKeys('silent').drainAcks)).toBe(0);
  });

  it('the keeper sees the intent and acknowledges it: the announce resolves acknowledged', async () => {
    await client.set(poolKeys('acked').keeper, 'a-gateway', 'PX', 60_000);
    const share = registry.keepWarmShare!('acked');
    const waiting = registry.drainIntents!('acked').announce('host-2', 10_000);
    let seen: string[] = [];
    while (seen.length === 0) seen = await share.drainIntents();
    await share.ackDrain('host-2');
    expect(await waiting).toBe('acknowledged');
    expect(await client.hlen(poolKeys('acked').drainIntents)).toBe(0);
    expect(await client.hlen(poolKeys('acked').drainAcks)).toBe(0);
  });
});
