import { type BudgetQuantile, budgetQuantileInUse, startBudget, stepBudget } from '../forecast/budget.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricReading } from '../sources/types.ts';
import type { Decision, Observation, ObservedHost, ScalerState } from '../types.ts';
import { initialState } from './state.ts';

/** One host of the shadow fleet: booting until bootStartedAt + capacity.bootTime, then active. */
export interface ShadowHost {
  id: string;
  bootStartedAt: number;
  active: boolean;
}

/**
 * What the reactive policy would have provisioned, carried in the scaler's state (plain data, JSON):
 * its fleet (hosts it asked for boot for capacity.bootTime; hosts it drains leave at once, as they
 * serve nothing), its own evaluation state, and the budget (both tallies and the quantile).
 */
export interface ShadowState {
  hosts: ShadowHost[];
  /** Next shadow host number. */
  seq: number;
  /** The reactive policy's evaluation state (windows, events, panic). */
  state: ScalerState;
  /** The reactive policy's last desired count. */
  desired: number;
  budget: BudgetQuantile;
}

/** The same evaluate() this shadow runs, passed in (evaluate.ts imports this file). */
export type Evaluate = (policy: Policy, previous: ScalerState, obs: Observation, now: number) => Decision;

const REACTIVE = new WeakMap<Policy, Policy>();

/** The policy without its forecast: the reactive policy the shadow follows (same object per policy). */
export function reactiveOf(policy: Policy): Policy {
  let reactive = REACTIVE.get(policy);
  if (!reactive) {
    reactive = { ...policy, mode: 'enforce', forecast: { ...policy.forecast, enabled: false } };
    REACTIVE.set(policy, reactive);
  }
  return reactive;
}

/**
 * Whether demand exceeded what `active` hosts serve on any averagePerHost metric (value > active ×
 * target, as bench:scaler counts an under-provisioned second); null when no such metric has a valid
 * reading (nothing to count).
 */
export function missed(
  policy: Policy,
  metrics: Record<string, MetricReading>,
  active: number,
): boolean | null {
  let counted = false;
  let miss = false;
  for (const metric of policy.metrics) {
    if (metric.target.type !== 'averagePerHost') continue;
    const reading = metrics[metric.name];
    if (!reading?.ok || !Number.isFinite(reading.value)) return null;
    counted = true;
    if (reading.value > active * metric.target.value) miss = true;
  }
  return counted ? miss : null;
}

/**
 * One tick of the shadow, pure (time passed in), before the real tick decides: boots the shadow's
 * hosts that are due, counts this tick's reading against the real active hosts and the shadow's
 * (stepBudget moves the quantile), then runs the reactive policy on the shadow fleet and applies its
 * plan there. A fresh state (start, restart) seeds the shadow with the observed fleet.
 */
export function stepShadow(
  policy: Policy,
  previous: ShadowState | undefined,
  obs: Observation,
  now: number,
  evaluate: Evaluate,
): ShadowState {
  const bootTime = policy.capacity.bootTime;
  let seq = previous?.seq ?? 0;
  const hosts: ShadowHost[] = previous
    ? previous.hosts.map((h) => ({ ...h, active: h.active || now - h.bootStartedAt >= bootTime }))
    : obs.hosts
        .filter((h) => h.state !== 'draining')
        .map((h) => ({
          id: `shadow-${++seq}`,
          bootStartedAt: h.state === 'active' ? now - bootTime : (h.bootStartedAt ?? h.registeredAt),
          active: h.state === 'active',
        }));
  let budget = previous?.budget ?? startBudget(policy.forecast.quantile);
  const margin = policy.forecast.budgetMargin ?? 0;
  const real = missed(policy, obs.metrics, obs.hosts.filter((h) => h.state === 'active').length);
  const shadow = missed(policy, obs.metrics, hosts.filter((h) => h.active).length);
  if (real !== null && shadow !== null) {
    budget = stepBudget(budget, real, shadow, {
      start: policy.forecast.quantile,
      gain: policy.forecast.budgetGain,
      margin,
    });
  }
  const observed: ObservedHost[] = hosts.map((h) => ({
    id: h.id,
    state: h.active ? 'active' : 'booting',
    registeredAt: h.bootStartedAt,
    bootStartedAt: h.bootStartedAt,
    warmRuntimes: 0,
    inflight: 0,
  }));
  const decision = evaluate(
    reactiveOf(policy),
    previous?.state ?? initialState(),
    { hosts: observed, metrics: obs.metrics, startedAt: obs.startedAt },
    now,
  );
  let next = hosts;
  for (const action of decision.actions) {
    if (action.type === 'start') {
      for (let i = 0; i < action.count; i++)
        next.push({ id: `shadow-${++seq}`, bootStartedAt: now, active: false });
    } else if (action.type === 'drain') next = next.filter((h) => h.id !== action.hostId);
    else {
      next = next.filter((h) => h.id !== action.hostId);
      next.push({ id: `shadow-${++seq}`, bootStartedAt: now, active: false });
    }
  }
  return { hosts: next, seq, state: decision.state, desired: decision.desired, budget };
}

/** The decision record's line on the budget: the shadow, both tallies (seconds) and the quantile. */
export function describeShadow(policy: Policy, shadow: ShadowState): string {
  const s = (ticks: number) => Math.round((ticks * policy.interval) / 1000);
  const b = shadow.budget;
  const active = shadow.hosts.filter((h) => h.active).length;
  return `reactive shadow ${shadow.desired} host(s) (${active} active, ${shadow.hosts.length - active} booting); under-provisioned ${s(b.misses)} s against the shadow's ${s(b.shadowMisses)} s over ${b.ticks} tick(s): quantile ${budgetQuantileInUse(b)} = ${policy.forecast.quantile} + ${policy.forecast.budgetGain} × (${b.misses} − ${1 - (policy.forecast.budgetMargin ?? 0)} × ${b.shadowMisses}) ticks missed, within 0.5–0.99`;
}

/** The quantile the budget gives each averagePerHost metric's forecast this tick (one for the fleet). */
export function budgetQuantiles(policy: Policy, shadow: ShadowState): Record<string, number> {
  const q = budgetQuantileInUse(shadow.budget);
  return Object.fromEntries(
    policy.metrics.filter((m) => m.target.type === 'averagePerHost').map((m) => [m.name, q]),
  );
}
