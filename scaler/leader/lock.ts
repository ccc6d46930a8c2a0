import { readFileSync } from 'node:fs';
import type { RedisClient } from '../../registry/redis-connection.ts';
import type { LeaderLock } from '../coordination/types.ts';

interface LockScripts {
  fleetgateExtendLock(key: string, token: string, ttl: number): Promise<number>;
  fleetgateReleaseLock(key: string, token: string): Promise<number>;
}

const lua = (file: string) => readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');

/** Options of {@link createLeaderLock}. */
export interface LeaderLockOptions {
  client: RedisClient;
  key: string;
  token: string;
  /** Lease length in milliseconds; a holder that stops renewing loses the lock after this. */
  ttlMs: number;
}

/**
 * A Redis lock on an existing client: `SET key token NX PX ttl` to acquire, compare-and-extend
 * (scripts/extend-lock-1.lua) to renew, compare-and-delete (scripts/release-lock-1.lua) to release.
 * The Redis coordination's lock (scaler/coordination/redis.ts).
 */
export function createLeaderLock({ client, key, token, ttlMs }: LeaderLockOptions): LeaderLock {
  client.defineCommand('fleetgateExtendLock', { lua: lua('extend-lock-1.lua'), numberOfKeys: 1 });
  client.defineCommand('fleetgateReleaseLock', { lua: lua('release-lock-1.lua'), numberOfKeys: 1 });
  const scripts = client as unknown as LockScripts;
  const safe = async <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch {
      return fallback;
    }
  };
  return {
    key,
    token,
    acquire: () =>
      safe(async () => {
        if ((await client.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') return true;
        // Already ours (a renewal that raced with a restart of the loop): extend it.
        return (await scripts.fleetgateExtendLock(key, token, ttlMs)) === 1;
      }, false),
    renew: () => safe(async () => (await scripts.fleetgateExtendLock(key, token, ttlMs)) === 1, false),
    release: () => safe(async () => (await scripts.fleetgateReleaseLock(key, token)) === 1, false),
    holder: () => safe(async () => (await client.get(key)) ?? undefined, undefined),
  };
}
