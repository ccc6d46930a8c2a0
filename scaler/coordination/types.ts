import type { LeaderLock } from '../../registry/leader-lock.ts';
import type { DecisionLog } from '../loop/decision-log.ts';

export type { LeaderLock };

/**
 * What scalers share so that one of them acts per pool and `explain` can read what it did: a leader
 * lock per pool and the decision log. In memory for a single process (`fleetgate dev`, the memory
 * registry), in Redis for a fleet of scalers; one contract suite (contract.ts) runs against both.
 */
export interface Coordination {
  /** `memory` or `redis`, for logs. */
  readonly kind: 'memory' | 'redis';
  /** The leader lock of `pool` held as `token`, with a lease of `ttlMs`. */
  leaderLock(pool: string, token: string, ttlMs: number): LeaderLock;
  /** The shared decision log (capped per pool, newest first), written by each pool's leader. */
  readonly decisions: DecisionLog;
  /**
   * Resolves true once the store is reachable, false when it is not within `waitMs` (default: the
   * store's own bound on waiting for a connection).
   */
  ready(waitMs?: number): Promise<boolean>;
  /**
   * Calls `listener` each time the store becomes reachable (first connection and every reconnection),
   * so electors campaign then instead of a renewal period later. Returns the unsubscribe function.
   */
  onConnected(listener: () => void): () => void;
  /** Lets go of the store (closes connections); the locks it holds are not released here. */
  close(): Promise<void>;
}
