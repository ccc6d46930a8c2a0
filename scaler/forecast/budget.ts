/**
 * The forecast's quantile steered by a service-level budget taken from the reactive policy itself
 * (pure; the state is plain data the caller keeps between ticks). The goal of predictive scaling is
 * "no more under-provisioning than the reactive policy": the scaler carries a shadow of what its
 * reactive policy would have provisioned (scaler/evaluate/shadow.ts) and counts, tick by tick, where
 * demand exceeded the shadow's active hosts and where it exceeded the real ones. The quantile is
 * then an integral controller on the difference: up by `gain` after each tick the real fleet missed,
 * down by gain × (1 − margin) after each tick the shadow missed:
 *
 *   quantile = start + gain × (own misses − (1 − margin) × shadow misses), within 0.5–0.99.
 *
 * The quantile sits above its start exactly while the forecast has missed more than the reactive
 * policy would have (less the margin), and goes down while there is slack: each workload finds the
 * quantile at which its own reactive under-provisioning is met, with no per-workload constant. It is
 * the adaptive conformal update (adaptive.ts; Gibbs & Candès 2021) with the reactive shadow's misses
 * as the moving target instead of a fixed miss rate.
 */
import { QUANTILE_MAX, QUANTILE_MIN } from './adaptive.ts';

/** What the budget carries from tick to tick (plain data, JSON). */
export interface BudgetQuantile {
  /** The quantile of the next forecast's upper bound. */
  quantile: number;
  /** Ticks counted (every tick with a valid reading of every forecast metric). */
  ticks: number;
  /** Of those, ticks where demand exceeded the real fleet's active hosts. */
  misses: number;
  /** Of those, ticks where demand exceeded the reactive shadow's active hosts. */
  shadowMisses: number;
}

/** A fresh budget starting at `quantile` (the policy's forecast.quantile). */
export function startBudget(quantile: number): BudgetQuantile {
  return { quantile: clamp(quantile), ticks: 0, misses: 0, shadowMisses: 0 };
}

/**
 * One tick: `miss` whether demand exceeded the real fleet's active hosts, `shadowMiss` whether it
 * exceeded the shadow's. `margin` (0–1) is the share of the shadow's misses the forecast is not
 * allowed to spend (it aims under the reactive policy's under-provisioning, not at it).
 */
export function stepBudget(
  state: BudgetQuantile,
  miss: boolean,
  shadowMiss: boolean,
  settings: { start: number; gain: number; margin: number },
): BudgetQuantile {
  const misses = state.misses + (miss ? 1 : 0);
  const shadowMisses = state.shadowMisses + (shadowMiss ? 1 : 0);
  return {
    quantile: budgetQuantile(misses, shadowMisses, settings),
    ticks: state.ticks + 1,
    misses,
    shadowMisses,
  };
}

/**
 * The quantile from the two tallies: start + gain × (misses − (1 − margin) × shadowMisses), within
 * 0.5–0.99. The tallies themselves are never clamped, so slack the shadow built up (its misses on a
 * ramp the forecast saw coming) is a budget the forecast may spend later, and a debt is repaid.
 */
export function budgetQuantile(
  misses: number,
  shadowMisses: number,
  settings: { start: number; gain: number; margin: number },
): number {
  return clamp(settings.start + settings.gain * (misses - (1 - settings.margin) * shadowMisses));
}

/** The quantile a forecast is computed at: rounded to 0.01 so ticks in a row share their backtest. */
export function budgetQuantileInUse(state: BudgetQuantile): number {
  return Math.round(state.quantile * 100) / 100;
}

function clamp(q: number): number {
  return Math.min(QUANTILE_MAX, Math.max(QUANTILE_MIN, q));
}
