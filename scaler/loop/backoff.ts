import { type BackoffPolicy, backoffDelay } from '../../lib/backoff.ts';

/** Retry schedule of failed provider calls: doubling from `baseMs` up to `maxMs` (`lib/backoff.ts`). */
export type RetryPolicy = BackoffPolicy;

/** 1 s doubling to 60 s: a broken create command is retried about once a minute, not every tick. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000 };

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
    this.notBefore = now + backoffDelay(this.failures, this.policy);
  }
}
