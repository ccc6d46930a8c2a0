import { readFileSync } from 'node:fs';
import type { RedisClient } from '../../registry/redis-connection.ts';

/** One pool's leader lock in Redis. Every method answers false instead of throwing when Redis is down. */
export interface LeaderLock {
  /** The lock key (`fleetgate:{pool}:leader`). */
  readonly key: string;
  /** This process's token, the lock's value while it holds it. */
  readonly token: string;
  /** `SET key token NX PX ttl`: true when this process now holds the lock. */
  acquire(): Promise<boolean>;
  /** Compare-and-extend (scripts/extend-lock-1.lua): true when still the holder. */
  renew(): Promise<boolean>;
  /** Compare-and-delete (scripts/release-lock-1.lua): true when it was released. */
  release(): Promise<boolean>;
  /** The current holder's token, or undefined (no holder, or Redis down). */
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

/** A Redis lock (`SET NX PX` + compare-and-extend + compare-and-delete) on an existing client. */
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
