/**
 * The adaptive quantile of the forecast's upper bound (adaptive conformal inference, Gibbs & Candès,
 * "Adaptive conformal inference under distribution shift", NeurIPS 2021), pure: the state is plain
 * data the caller keeps between ticks. After each tick the forecast was in charge, the quantile goes
 * up by gain × (1 − missRate) when demand exceeded the provisioned capacity and down by
 * gain × missRate when it did not, so over T such ticks the share of misses is within
 * (MAX − MIN + gain) ÷ (gain × T) of `missRate` whatever the workload's noise (their Proposition 1):
 * the quantile a fixed setting would have to be tuned to per workload is found online.
 */

/** What the adaptive quantile carries from tick to tick, per metric (plain data, JSON). */
export interface AdaptiveQuantile {
  /** The quantile of the next forecast's upper bound. */
  quantile: number;
  /** Ticks counted (ones where a trusted forecast was in charge). */
  ticks: number;
  /** Of those, ticks where demand exceeded the provisioned capacity. */
  misses: number;
}

/** The range the quantile moves in: below the median the bound is no bound; above 0.99 it is the maximum. */
export const QUANTILE_MIN = 0.5;
export const QUANTILE_MAX = 0.99;

/** A fresh adaptive quantile starting at `quantile` (the policy's forecast.quantile). */
export function startQuantile(quantile: number): AdaptiveQuantile {
  return { quantile: clamp(quantile), ticks: 0, misses: 0 };
}

/** One step of the update: `miss` says whether demand exceeded the capacity provisioned for it. */
export function adaptQuantile(
  state: AdaptiveQuantile,
  miss: boolean,
  missRate: number,
  gain: number,
): AdaptiveQuantile {
  return {
    quantile: clamp(state.quantile + gain * ((miss ? 1 : 0) - missRate)),
    ticks: state.ticks + 1,
    misses: state.misses + (miss ? 1 : 0),
  };
}

/** The realised miss rate so far, or null before the first tick counted. */
export function realisedMissRate(state: AdaptiveQuantile): number | null {
  return state.ticks === 0 ? null : state.misses / state.ticks;
}

/** The quantile a forecast is computed at: rounded to 0.01 so ticks in a row share their backtest. */
export function quantileInUse(state: AdaptiveQuantile): number {
  return Math.round(state.quantile * 100) / 100;
}

function clamp(q: number): number {
  return Math.min(QUANTILE_MAX, Math.max(QUANTILE_MIN, q));
}
