import { parsePolicy } from '../../scaler/policy/parse.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import { SCENARIO_POLICY_YAML } from '../../scaler/simulate/scenarios.ts';

/** Fleetgate's default policy as the scenario table runs it (docs/scaling-policy.md defaults, max 50). */
export const fleetgatePolicy: Policy = parsePolicy(SCENARIO_POLICY_YAML, 'fleetgate default');

/**
 * An HPA-like baseline run by the same simulator and the same evaluate(): the same ratio formula
 * and tolerance, the Kubernetes default `behavior` (scale up: no window, max of +100 % and +4 pods
 * per 15 s; scale down: 300 s window, then up to 100 % per 15 s), no panic mode, no startup hold,
 * no churn budget, and no warm-aware drain (a ReplicaSet removes the newest pods first).
 */
export const HPA_BASELINE_YAML = `pool: default
interval: 15s
hosts: { min: 1, max: 50 }
metrics:
  - name: inflight
    query: sum(fleetgate_gateway_inflight_requests)
    target: { type: averagePerHost, value: 8 }
tolerance: 0.1
scaleUp:
  stabilizationWindow: 0s
  policies: [ { type: Percent, value: 100, period: 15s }, { type: Hosts, value: 4, period: 15s } ]
  select: max
scaleDown:
  stabilizationWindow: 300s
  policies: [ { type: Percent, value: 100, period: 15s } ]
  select: max
panic: { enabled: false }
drain: { select: newest }
startup: { holdFor: 0s }
budget: { maxScaleEventsPerHour: null }
`;

/** The parsed HPA-like baseline. */
export const hpaBaseline: Policy = parsePolicy(HPA_BASELINE_YAML, 'HPA-like baseline');

/** Fleetgate's policy with the forecast on (every forecast default; bench:scaler compares it). */
export const PREDICTIVE_YAML = `${SCENARIO_POLICY_YAML}forecast: { enabled: true }
`;

/** The parsed predictive policy. */
export const predictivePolicy: Policy = parsePolicy(PREDICTIVE_YAML, 'Fleetgate predictive');

/**
 * The predictive policy at a fixed `forecast.quantile`, the reactive budget off (the frontier table
 * of bench:scaler: every quantile the budget could settle at).
 */
export function predictiveAt(quantile: number): Policy {
  return { ...predictivePolicy, forecast: { ...predictivePolicy.forecast, quantile, budgetMargin: null } };
}

/** The predictive policy with the adaptive quantile at `missRate` (bench:scaler's adaptive frontier). */
export function adaptiveAt(missRate: number): Policy {
  return { ...predictivePolicy, forecast: { ...predictivePolicy.forecast, missRate } };
}
