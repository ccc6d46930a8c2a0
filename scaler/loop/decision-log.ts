import type { RedisClient } from '../../registry/redis-connection.ts';
import type { TickRecord } from './record.ts';

/** Where tick records are kept for `explain`: newest first, capped. */
export interface DecisionLog {
  append(record: TickRecord): Promise<void>;
  /** Up to `limit` records, newest first. */
  recent(pool: string, limit: number): Promise<TickRecord[]>;
}

/** Records kept per pool unless configured otherwise (a day of 15 s ticks is 5760; an hour is 240). */
export const DEFAULT_DECISION_CAP = 500;

/** Records `explain` shows (scaler `GET /explain`, `fleetgate policy explain`) unless told otherwise, and the most it shows. */
export const EXPLAIN_DEFAULT_LIMIT = 20;
export const EXPLAIN_MAX_LIMIT = 500;

/** An in-process capped list per pool: the memory registry's store and every scaler's local view. */
export function memoryDecisionLog(cap = DEFAULT_DECISION_CAP): DecisionLog {
  const pools = new Map<string, TickRecord[]>();
  return {
    async append(record) {
      const list = pools.get(record.pool) ?? [];
      list.unshift(record);
      if (list.length > cap) list.length = cap;
      pools.set(record.pool, list);
    },
    async recent(pool, limit) {
      return (pools.get(pool) ?? []).slice(0, limit);
    },
  };
}

/**
 * The capped Redis list at the registry's `decisions` key (`LPUSH` + `LTRIM` in one MULTI), shared
 * by every scaler and read by `fleetgate policy explain`. Throws when Redis is unreachable.
 */
export function redisDecisionLog(
  client: RedisClient,
  keyOf: (pool: string) => string,
  cap = DEFAULT_DECISION_CAP,
): DecisionLog {
  return {
    async append(record) {
      const key = keyOf(record.pool);
      await client
        .multi()
        .lpush(key, JSON.stringify(record))
        .ltrim(key, 0, cap - 1)
        .exec();
    },
    async recent(pool, limit) {
      const raw = await client.lrange(keyOf(pool), 0, Math.max(0, limit - 1));
      return raw.flatMap((text) => {
        try {
          return [JSON.parse(text) as TickRecord];
        } catch {
          return [];
        }
      });
    },
  };
}
