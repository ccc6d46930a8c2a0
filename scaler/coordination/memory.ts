import type { Clock } from '../../lib/clock.ts';
import { DEFAULT_DECISION_CAP, memoryDecisionLog } from '../loop/decision-log.ts';
import type { Coordination, LeaderLock } from './types.ts';

/** Options of {@link memoryCoordination}. */
export interface MemoryCoordinationOptions {
  /** Time of the leases; injected so tests can move it. */
  clock: Clock;
  decisionCap?: number;
}

interface Lease {
  token: string;
  expiresAt: number;
}

/**
 * Coordination within one process: leases in a map, judged by the injected clock exactly as Redis
 * judges `PX` leases (an expired lease is gone: its holder can neither renew nor release it).
 * Every scaler given the same instance competes for the same locks.
 */
export function memoryCoordination(options: MemoryCoordinationOptions): Coordination {
  const leases = new Map<string, Lease>();
  const live = (pool: string): Lease | undefined => {
    const lease = leases.get(pool);
    if (lease && lease.expiresAt <= options.clock.now()) {
      leases.delete(pool);
      return undefined;
    }
    return lease;
  };
  const leaderLock = (pool: string, token: string, ttlMs: number): LeaderLock => {
    const extend = (): boolean => {
      if (live(pool)?.token !== token) return false;
      leases.set(pool, { token, expiresAt: options.clock.now() + ttlMs });
      return true;
    };
    return {
      key: `memory:{${pool}}`,
      token,
      async acquire() {
        if (live(pool) === undefined) leases.set(pool, { token, expiresAt: options.clock.now() + ttlMs });
        return extend();
      },
      renew: async () => extend(),
      async release() {
        if (live(pool)?.token !== token) return false;
        leases.delete(pool);
        return true;
      },
      holder: async () => live(pool)?.token,
    };
  };
  return {
    kind: 'memory',
    leaderLock,
    decisions: memoryDecisionLog(options.decisionCap ?? DEFAULT_DECISION_CAP),
    ready: async () => true,
    // Always reachable: there is no reconnection to announce.
    onConnected: () => () => {},
    async close() {},
  };
}
