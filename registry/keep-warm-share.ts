import type { PoolKeys } from './keys.ts';
import { createLeaderLock } from './leader-lock.ts';
import type { RedisClient } from './redis-connection.ts';
import type { DrainIntentOutcome, DrainIntents, KeepWarmShare } from './types.ts';

/**
 * Keep-warm sharing in Redis, on the registry's command connection: the keeper lease at the pool's
 * `keeper` key (the scaler's leader lock: `SET NX PX`, compare-and-extend, compare-and-delete), the
 * observations in a capped stream (`XADD … MAXLEN ~`), the drain intents and acknowledgements in two
 * hashes. Every key holds the pool's hash tag, so a Redis Cluster keeps them on the pool's slot.
 */
export function redisKeepWarmShare(client: RedisClient, keys: PoolKeys): KeepWarmShare {
  return {
    lease: (token, ttlMs) => createLeaderLock({ client, key: keys.keeper, token, ttlMs }),
    async publish(batch, keep) {
      await client.xadd(keys.keepWarmCalls, 'MAXLEN', '~', String(Math.max(1, keep)), '*', 'b', batch);
    },
    async read(after, count) {
      const reply = (await client.xread('COUNT', count, 'STREAMS', keys.keepWarmCalls, after)) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      const entries = reply?.[0]?.[1] ?? [];
      const batches: string[] = [];
      for (const [, fields] of entries) {
        const i = fields.indexOf('b');
        if (i >= 0 && i + 1 < fields.length) batches.push(fields[i + 1]!);
      }
      return { cursor: entries.length > 0 ? entries[entries.length - 1]![0] : after, batches };
    },
    async drainIntents() {
      const all = await client.hgetall(keys.drainIntents);
      const now = Date.now();
      return Object.entries(all)
        .filter(([, deadline]) => Number(deadline) > now)
        .map(([host]) => host);
    },
    async ackDrain(hostId) {
      // Only while the intent is there: an acknowledgement after the scaler gave up is dropped.
      if ((await client.hexists(keys.drainIntents, hostId)) === 1)
        await client.hset(keys.drainAcks, hostId, String(Date.now()));
    },
  };
}

/** How often the scaler looks for the keeper's acknowledgement while it waits. */
const ACK_POLL_MS = 100;

/** The scaler's side of the drain intents in Redis (see {@link redisKeepWarmShare}). */
export function redisDrainIntents(client: RedisClient, keys: PoolKeys): DrainIntents {
  return {
    async announce(hostId, waitMs): Promise<DrainIntentOutcome> {
      const deadline = Date.now() + waitMs;
      try {
        if ((await client.exists(keys.keeper)) === 0) return 'no-keeper';
        await client.hdel(keys.drainAcks, hostId);
        await client.hset(keys.drainIntents, hostId, String(deadline));
      } catch {
        return 'unavailable';
      }
      try {
        while (Date.now() < deadline) {
          try {
            if ((await client.hexists(keys.drainAcks, hostId)) === 1) return 'acknowledged';
          } catch {
            return 'unavailable';
          }
          await new Promise((r) => setTimeout(r, Math.min(ACK_POLL_MS, Math.max(1, deadline - Date.now()))));
        }
        return 'timeout';
      } finally {
        await Promise.all([
          client.hdel(keys.drainIntents, hostId),
          client.hdel(keys.drainAcks, hostId),
        ]).catch(() => undefined);
      }
    },
  };
}
