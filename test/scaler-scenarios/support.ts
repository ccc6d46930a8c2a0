import { parsePolicy } from '../../scaler/policy/parse.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import { type SimulationResult, simulate } from '../../scaler/simulate/run.ts';
import { SCENARIO_POLICY_YAML, SCENARIOS, scenarioInput } from '../../scaler/simulate/scenarios.ts';
import type { DecisionRecord } from '../../scaler/types.ts';

/** The scenario table's policy (docs/scaling-policy.md defaults, target 8, interval 15 s, max 50). */
export const basePolicy: Policy = parsePolicy(SCENARIO_POLICY_YAML, 'scenario policy');

/** The base policy with the forecast on (every forecast default). */
export const predictivePolicy: Policy = parsePolicy(
  `${SCENARIO_POLICY_YAML}forecast: { enabled: true }\n`,
  'predictive scenario policy',
);

/**
 * The policies every row of the table must pass with: the reactive default, and the forecast on
 * with 3 hours of history before t = 0 (the scenario's own demand, as Prometheus would hold it), so
 * the forecast is trusted from the first tick and the rows check it, not the reactive fallback.
 */
export const VARIANTS = [
  { name: 'reactive', base: basePolicy, priorHistoryMs: 0 },
  { name: 'predictive', base: predictivePolicy, priorHistoryMs: 3 * 3_600_000 },
] as const;

/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/** Runs a named scenario with the base policy (its patch applied), optionally changed first. */
export function runScenario(
  name: string,
  change: (p: Policy) => Policy = (p) => p,
  shadow?: (p: Policy) => Policy,
  variant: Variant = VARIANTS[0],
): SimulationResult & { policy: Policy } {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  const input = scenarioInput(scenario, change(variant.base));
  if (variant.priorHistoryMs > 0) input.priorHistoryMs = variant.priorHistoryMs;
  if (shadow) input.shadow = shadow(input.policy);
  return { ...simulate(input), policy: input.policy };
}

/** Seconds of a record. */
export const sec = (r: DecisionRecord) => r.time / 1000;

/** Records that started hosts / drained hosts / replaced hosts. */
export const starts = (rs: DecisionRecord[]) => rs.filter((r) => r.actions.some((a) => a.type === 'start'));
export const drains = (rs: DecisionRecord[]) => rs.filter((r) => r.actions.some((a) => a.type === 'drain'));

/** Whether the record's panic step says the scaler is panicking. */
export const inPanic = (r: DecisionRecord) => r.steps.some((s) => s.step === 'panic' && s.value === 1);

/** The value of a named step of a record. */
export const stepValue = (r: DecisionRecord, step: string) => r.steps.find((s) => s.step === step)?.value;

/** The decision without its execution flag (to compare enforce with dry-run). */
export function decisionOf(r: DecisionRecord) {
  return {
    time: r.time,
    desired: r.desired,
    reason: r.reason,
    actions: r.actions.map(({ execute: _execute, ...a }) => a),
  };
}

/** Scale-event directions with their times in seconds. */
export function directions(rs: DecisionRecord[]): { t: number; up: boolean }[] {
  return rs
    .filter((r) => r.actions.some((a) => a.type === 'start' || a.type === 'drain'))
    .map((r) => ({ t: sec(r), up: r.actions.some((a) => a.type === 'start') }));
}
