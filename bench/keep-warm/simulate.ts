import { newOverflowHistory, overflowSeen, surplusKeep } from '../../gateway/lifetime/overflow-gaps.ts';
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
  | { kind: 'hybrid'; name: string; rules: LifetimeRules; surplus?: SurplusRule };

/**
 * How the hybrid policy keeps overflow copies (gateway/lifetime/surplus.ts, overflow-gaps.ts): a
 * fixed idle time, or learned per runtime from the gaps between its overflow episodes (`idleMs` the
 * fallback). A fixed keep-alive keeps every copy as long as the first.
 */
export interface SurplusRule {
  learn: boolean;
  idleMs: number;
}

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
  /** With copies per minute (spill.ts): overflow copies created cold, and their warm minutes (also in `warmMinutes`). */
  overflowColdStarts: number;
  overflowMinutes: number;
}

/** A warm copy beyond the first: when it last served a call, until when it is kept, memory counted up to. */
interface Copy {
  last: number;
  until: number;
  counted: number;
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
  functions: ReadonlyArray<{ perMinute: number[]; copies?: number[] }>,
  policy: PolicyUnderTest,
  options: { spread?: boolean } = {},
): PolicyResult {
  const r: PolicyResult = {
    name: policy.name,
    invocations: 0,
    coldStarts: 0,
    warmMinutes: 0,
    prewarms: 0,
    prewarmsWasted: 0,
    functionsOver25: 0,
    overflowColdStarts: 0,
    overflowMinutes: 0,
  };
  for (const fn of functions) {
    const end = fn.perMinute.length * MINUTE;
    const history = policy.kind === 'hybrid' ? newHistory(policy.rules) : undefined;
    let plan: { warmFrom: number; warmUntil: number } | undefined;
    let calls = 0;
    let cold = 0;
    let last: number | undefined;
    // Overflow copies (index 0 unused: the first copy follows `plan`).
    const copies: Array<Copy | undefined> = [];
    const overflow = newOverflowHistory(policy.kind === 'hybrid' ? policy.rules : { binMs: MINUTE, bins: 1 });
    const copyKeep = (): number => {
      if (policy.kind === 'fixed') return policy.keepAliveMin * MINUTE;
      const rule = policy.surplus ?? { learn: false, idleMs: MINUTE };
      if (!rule.learn) return rule.idleMs;
      return surplusKeep(overflow, { ...policy.rules, surplusIdle: rule.idleMs }).idle;
    };
    /** Overflow copies' memory up to `to`, and those deleted by then (trimmed, or with the whole runtime). */
    const settle = (to: number) => {
      // The hybrid keeper deletes every copy once its plan stops wanting the runtime (at once when the plan unloads after the call).
      const planEnd =
        policy.kind === 'fixed' || plan === undefined || last === undefined
          ? Number.POSITIVE_INFINITY
          : plan.warmFrom > last
            ? last
            : plan.warmUntil;
      copies.forEach((c, j) => {
        if (c === undefined) return;
        const death = Math.min(c.until, planEnd);
        const upTo = Math.min(death, to);
        if (upTo > c.counted) {
          r.warmMinutes += (upTo - c.counted) / MINUTE;
          r.overflowMinutes += (upTo - c.counted) / MINUTE;
          c.counted = upTo;
        }
        if (death <= to) copies[j] = undefined;
      });
    };
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
      // The paper's model: every call of the minute at its start. Spread: n calls at the expected
      // places of n uniform arrivals (k ÷ (n + 1) of the minute), so a runtime called every minute
      // has sub-minute idle times, as in a replay.
      const start = options.spread ? t + MINUTE / (count + 1) : t;
      const stop = options.spread ? t + (count * MINUTE) / (count + 1) : t;
      r.invocations += count;
      calls += count;
      const warm = plan !== undefined && start >= plan.warmFrom && start < plan.warmUntil;
      if (last !== undefined) gap(last, start, true);
      if (!warm) cold += 1;
      settle(start);
      const need = fn.copies?.[m] ?? 1;
      for (let j = 1; j < need; j++) {
        if (copies[j] === undefined) r.overflowColdStarts += 1;
        copies[j] = { last: stop, until: stop, counted: stop };
      }
      if (need >= 2) overflowSeen(overflow, start, stop);
      const keep = copyKeep();
      copies.forEach((c, j) => {
        if (c === undefined) return;
        c.until = c.last + keep;
        if (c.until <= stop) copies[j] = undefined;
      });
      if (history) {
        callStarted(history, start);
        callEnded(history, stop);
      }
      last = stop;
      plan = windowAfter(stop);
    });
    if (last !== undefined) gap(last, end, false);
    settle(end);
    r.coldStarts += cold;
    if (calls > 0 && cold / calls > 0.25) r.functionsOver25 += 1;
  }
  return r;
}
