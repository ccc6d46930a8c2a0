/** Reconnect backoff: exponential from `baseMs`, capped at `maxMs`, with up to 20 % jitter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * 100 ms doubling to 5 s: ioredis's own default caps at 5 s too (2^n × 50 ms); starting at 100 ms
 * keeps a gateway from hammering a Redis that is restarting.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5000 };

/** Delay before reconnect attempt `attempt` (1-based); `random` in [0, 1) gives the jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: number): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  // Jitter spreads reconnects of many gateways after a shared Redis comes back.
  return Math.round(exp * (0.8 + 0.2 * random));
}
