import type { Policy } from '../policy/schema.ts';
import type { ScalerState } from '../types.ts';

/** The state of a scaler that has not evaluated anything yet (fresh start or restart). */
export function initialState(): ScalerState {
  return {
    version: 1,
    recommendations: [],
    events: [],
    failures: 0,
    panic: null,
    idleSince: null,
    replaced: [],
    panicSamples: [],
  };
}

/** One hour: the churn budget is per hour. */
const HOUR = 3_600_000;

/**
 * A copy of `state` without entries no window can see any more, so the state a long-running pool
 * loop keeps in memory (never in Redis) stays small.
 */
export function pruneState(policy: Policy, state: ScalerState, now: number): ScalerState {
  const recWindow = Math.max(policy.scaleUp.stabilizationWindow, policy.scaleDown.stabilizationWindow);
  const periods = [...policy.scaleUp.policies, ...policy.scaleDown.policies].map((p) => p.period);
  const eventWindow = Math.max(HOUR, ...periods);
  return {
    version: 1,
    recommendations: state.recommendations.filter((r) => r.time >= now - recWindow),
    events: state.events.filter((e) => e.time > now - eventWindow),
    failures: state.failures,
    panic: state.panic ? { ...state.panic } : null,
    idleSince: state.idleSince,
    replaced: [...state.replaced],
    panicSamples: state.panicSamples.filter((s) => s.time > now - policy.panic.window),
    ...(state.quantiles ? { quantiles: structuredClone(state.quantiles) } : {}),
    ...(state.shadow ? { shadow: state.shadow } : {}),
  };
}
