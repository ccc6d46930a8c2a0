/** Retry schedule of failed provider calls: doubling from `baseMs` up to `maxMs`. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/** 1 s doubling to 60 s: a broken create command is retried about once a minute, not every tick. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000 };

/** The wait before attempt `failures + 1` after `failures` consecutive failures (pure). */
export function retryDelay(failures: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  if (failures <= 0) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
}

/** Consecutive failures of one kind of call and when the next attempt is allowed. */
export class RetryGate {
  private failures = 0;
  private notBefore = 0;
  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY) {}
  /** Whether a call may be made at `now`. */
  open(now: number): boolean {
    return now >= this.notBefore;
  }
  /** When the next call is allowed. */
  get nextAt(): number {
    return this.notBefore;
  }
  get consecutiveFailures(): number {
    return this.failures;
  }
  success(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
  failure(now: number): void {
    this.failures++;
    this.notBefore = now + retryDelay(this.failures, this.policy);
  }
}
