/**
 * The one backoff formula: exponential from `baseMs`, doubling per retry, capped at `maxMs`, with
 * optional jitter. Used by the registry's Redis reconnects and the scaler's provider retries (each
 * keeps its own numbers next to it). Pure: randomness is passed in.
 */

/** Doubling from `baseMs` up to `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The wait before retry `n` (1-based): `baseMs × 2^(n-1)`, at most `maxMs`; 0 when `n` ≤ 0. */
export function backoffDelay(n: number, policy: BackoffPolicy): number {
  if (n <= 0) return 0;
  // The exponent is capped so a long outage cannot overflow to Infinity before the min().
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
}

/**
 * `ms` less up to `spread` of it, by `random` in [0, 1): spreads the retries of many clients that
 * failed together (e.g. every gateway after a shared Redis comes back). 20 % by default.
 */
export function withJitter(ms: number, random: number, spread = 0.2): number {
  return Math.round(ms * (1 - spread + spread * random));
}
