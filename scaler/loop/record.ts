import type { DecisionRecord, ReasonCode } from '../types.ts';

/** What the loop did about one planned action (or one lifecycle step). */
export interface ActionOutcome {
  /** `start`, `drain`, `replace`, `activate`, `remove`, `destroy`, `deregister-vanished`. */
  action: string;
  hostId?: string;
  ok: boolean;
  /** `skipped` when not executed (dry-run, follower, provider backoff). */
  skipped?: boolean;
  detail?: string;
}

/**
 * One tick as `explain` shows it: the pure core's decision record (absent when the tick could not
 * evaluate, e.g. Redis down) plus what the loop did and whether this scaler was leading.
 */
export interface TickRecord {
  time: number;
  pool: string;
  /** Whether this scaler held the pool's leader lock (a follower only records, in dry-run). */
  leader: boolean;
  /** The decision's reason, or `RegistryUnavailable` when the fleet could not be read. */
  reason: ReasonCode | 'RegistryUnavailable' | 'TickFailed';
  desired: number | null;
  decision?: DecisionRecord;
  outcomes: ActionOutcome[];
  error?: string;
  durationMs: number;
}
