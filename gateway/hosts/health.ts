/**
 * Health state of one host, pure: the caller passes the time. Passive failures (connect errors and
 * timeouts seen on real requests) and failed active probes both count; `ejectAfter` consecutive ones
 * eject the host (circuit open). An ejected host is probed again after a backoff that doubles from
 * `min` to `max`, and readmitted on the first success.
 */
export interface HealthPolicy {
  ejectAfter: number;
  /** Interval between probes of a healthy host. */
  interval: number;
  backoffMin: number;
  backoffMax: number;
}

/** Mutable health record of one host. */
export interface HealthState {
  healthy: boolean;
  consecutiveFailures: number;
  /** When the next active probe is due (ms since the epoch). */
  nextProbeAt: number;
  /** Current backoff while ejected. */
  backoff: number;
  /** Last failure reason, for /v1/fleet. */
  lastError: string | undefined;
  /** Last time a probe or a request succeeded. */
  lastOkAt: number | undefined;
}

/** A new host starts healthy (so it takes traffic at once) with a probe due now. */
export function initialHealth(now: number, policy: HealthPolicy): HealthState {
  return {
    healthy: true,
    consecutiveFailures: 0,
    nextProbeAt: now,
    backoff: policy.backoffMin,
    lastError: undefined,
    lastOkAt: undefined,
  };
}

/** What changed by recording an outcome. */
export type HealthTransition = 'ejected' | 'readmitted' | undefined;

/** Records a success (probe or request): resets the failure count; readmits an ejected host. */
export function recordSuccess(
  state: HealthState,
  now: number,
  policy: HealthPolicy,
  probe: boolean,
): HealthTransition {
  state.consecutiveFailures = 0;
  state.lastOkAt = now;
  if (probe) state.nextProbeAt = now + policy.interval;
  if (state.healthy) return undefined;
  state.healthy = true;
  state.backoff = policy.backoffMin;
  state.nextProbeAt = now + policy.interval;
  return 'readmitted';
}

/** Records a connect failure, a timeout or a failed probe; ejects at `ejectAfter` in a row. */
export function recordFailure(
  state: HealthState,
  now: number,
  policy: HealthPolicy,
  reason: string,
): HealthTransition {
  state.consecutiveFailures += 1;
  state.lastError = reason;
  if (!state.healthy) {
    // Still down: probe again later, backing off.
    state.backoff = Math.min(policy.backoffMax, state.backoff * 2);
    state.nextProbeAt = now + state.backoff;
    return undefined;
  }
  if (state.consecutiveFailures < Math.max(1, policy.ejectAfter)) return undefined;
  state.healthy = false;
  state.backoff = policy.backoffMin;
  state.nextProbeAt = now + state.backoff;
  return 'ejected';
}

/** Whether an active probe is due. */
export function probeDue(state: HealthState, now: number): boolean {
  return now >= state.nextProbeAt;
}
