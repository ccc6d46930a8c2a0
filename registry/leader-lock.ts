import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connection.ts';

/** One pool's leader lock. Every method answers false instead of throwing when the store is down. */
export interface LeaderLock {
  /** Where the lock lives, for logs (the Redis key `fleetgate:{pool}:leader`, or `memory:{pool}`). */
  readonly key: string;
  /** This holder's token, the lock's value while it holds it. */
  readonly token: string;
  /** Takes the lock when free (or already ours, which extends it): true when this holder now has it. */
  acquire(): Promise<boolean>;
  /** Extends the lease, only for its holder: true when still the holder. */
  renew(): Promise<boolean>;
  /** Frees the lock, only for its holder: true when it was released. */
  release(): Promise<boolean>;
  /** The current holder's token, or undefined (no holder, or the store down). */
  holder(): Promise<string | undefined>;
}

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
 * The scaler's leader lock (scaler/coordination/redis.ts) and the gateways' keep-warm keeper lease
 * (keep-warm-share.ts); scaler/coordination/memory.ts is the in-process one.
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
