import {
  callEnded,
  callStarted,
  type LifetimePlan,
  type LifetimeRules,
  newHistory,
  planLifetime,
} from '../../gateway/lifetime/policy.ts';

const MINUTE = 60_000;

/** One keep-warm policy under test. */
export type PolicyUnderTest =
  | { kind: 'fixed'; name: string; keepAliveMin: number }
  | { kind: 'hybrid'; name: string; rules: LifetimeRules };

/** What one policy costs and gives over a whole trace. */
export interface PolicyResult {
  name: string;
  invocations: number;
  /** Invocations that found their runtime cold (the first of a minute whose runtime was not warm). */
  coldStarts: number;
  /** Warm runtime·minutes (memory) over the trace, execution time not counted. */
  warmMinutes: number;
  /** Pre-warms (hybrid) and how many were followed by a call while warm. */
  prewarms: number;
  prewarmsWasted: number;
  /** Functions whose cold starts exceed 25 % of their invocations (the paper's "75th percentile app"). */
  functionsOver25: number;
}

/**
 * Replays per-minute invocation counts through a keep-warm policy at the trace's one-minute
 * resolution, as Shahrad et al. (ATC 2020) evaluate theirs: every invocation of a minute arrives at its
 * start; the first finds the runtime warm or not, the others find it warm. A fixed policy keeps a
 * runtime `keepAliveMin` after its last call; the hybrid one follows its plan (warm from `warmFrom`
 * to `warmUntil` after the last call; a planned warm window that starts after the last call is a
 * pre-warm, wasted when no call comes inside it). Pure.
 */
export function simulate(
  functions: ReadonlyArray<{ perMinute: number[] }>,
  policy: PolicyUnderTest,
): PolicyResult {
  const r: PolicyResult = {
    name: policy.name,
    invocations: 0,
    coldStarts: 0,
    warmMinutes: 0,
    prewarms: 0,
    prewarmsWasted: 0,
    functionsOver25: 0,
  };
  for (const fn of functions) {
    const end = fn.perMinute.length * MINUTE;
    const history = policy.kind === 'hybrid' ? newHistory(policy.rules) : undefined;
    let plan: { warmFrom: number; warmUntil: number } | undefined;
    let calls = 0;
    let cold = 0;
    let last: number | undefined;
    const windowAfter = (t: number): { warmFrom: number; warmUntil: number } => {
      if (policy.kind === 'fixed') return { warmFrom: t, warmUntil: t + policy.keepAliveMin * MINUTE };
      const p: LifetimePlan = planLifetime(history!, policy.rules);
      return { warmFrom: p.warmFrom, warmUntil: p.warmUntil };
    };
    /** Warm time and pre-warm accounting for the gap [from, to). */
    const gap = (from: number, to: number, called: boolean) => {
      if (plan === undefined) return;
      const a = Math.max(from, plan.warmFrom);
      const b = Math.min(to, plan.warmUntil);
      if (b > a) r.warmMinutes += (b - a) / MINUTE;
      if (plan.warmFrom > from && plan.warmFrom < to) {
        r.prewarms += 1;
        if (!(called && to >= plan.warmFrom && to < plan.warmUntil)) r.prewarmsWasted += 1;
      }
    };
    fn.perMinute.forEach((count, m) => {
      if (count <= 0) return;
      const t = m * MINUTE;
      r.invocations += count;
      calls += count;
      const warm = plan !== undefined && t >= plan.warmFrom && t < plan.warmUntil;
      if (last !== undefined) gap(last, t, true);
      if (!warm) cold += 1;
      if (history) {
        callStarted(history, t);
        callEnded(history, t);
      }
      last = t;
      plan = windowAfter(t);
    });
    if (last !== undefined) gap(last, end, false);
    r.coldStarts += cold;
    if (calls > 0 && cold / calls > 0.25) r.functionsOver25 += 1;
  }
  return r;
}
