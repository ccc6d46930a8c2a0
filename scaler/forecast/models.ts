/**
 * The forecasting models the forecaster chooses between, each a single pass over a history of
 * fixed steps. For every step `i` a model gives its point forecast of the **peak of the next
 * `horizon` steps**, max(a[i+1] … a[i+horizon]), from a[0..i] only; NaN where it cannot forecast yet
 * (before its warm-up). The last entry is the forecast from the newest step.
 *
 * Why these (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., ch. 8):
 * - `naive` (random walk): the last value — what a reactive scaler assumes; every other model
 *   must beat it in the backtest to be chosen.
 * - `holt`: Holt's linear trend, damped (Gardner & McKenzie 1985), for ramps without a season.
 * - `seasonal:<m>`: additive Holt-Winters with a damped trend and a season of `m` steps (Winters
 *   1960) — a daily or weekly human cycle, or the 5/10/60-minute cycles of timer-triggered
 *   functions (Shahrad et al., "Serverless in the Wild", ATC 2020: timers are 44 % of functions
 *   in the Azure trace). One season per model; the backtest picks the season the data has.
 * The smoothing constants are textbook starting values, not fitted: the choice between models
 * is made online, per pool, by the backtest in forecast.ts.
 */

/**
 * A model run over a history: its per-step forecasts, and the forecast it would give with one more
 * value appended (pure: the run's state is not changed, so a caller can ask for several).
 */
export interface ModelRun {
  forecasts: Float64Array;
  /** The forecast from one more step of value `next`: what run([...values, next]) ends with. */
  extend(next: number): number;
}

/** A model: per-step forecasts of the peak over the next `horizon` steps. */
export interface Model {
  name: string;
  /** Index of the first step with a forecast (its warm-up). */
  warmup: number;
  /**
   * Steps of history the model needs before the first forecast it is judged on: older steps no
   * longer change its state noticeably (smoothing forgets them geometrically), so they are not fed.
   */
  memory: number;
  run(values: readonly number[], horizon: number): ModelRun;
}

/** Level and trend smoothing and the trend's damping (FPP3 §8.3–8.4 typical values). */
const ALPHA = 0.3;
const BETA = 0.05;
/**
 * The season's smoothing is lower than the level's: each slot is updated once a season, so at 0.1
 * its profile averages about (2 − γ) ÷ γ ≈ 19 seasons of that slot's noisy peaks, where 0.3 averaged
 * about 6 (FPP3 §8.3 gives γ ≤ 1 − α; low values are the usual fit on noisy data). Chosen on the
 * development half of the Azure sample (−3 % → −10 % over-provisioned host·s at the HPA-like's
 * under-provisioned seconds), checked on the held-out workloads (bench:scaler).
 */
const GAMMA = 0.1;
/** Seasons after the first for the season's initial estimate to fade to a tenth: (1 − γ)^SETTLE ≤ 0.1. */
const SETTLE = Math.ceil(Math.log(0.1) / Math.log(1 - GAMMA));
const PHI = 0.9;

/** The last value, for every step ahead. */
export const naive: Model = {
  name: 'naive',
  warmup: 0,
  memory: 1,
  run(values) {
    return { forecasts: Float64Array.from(values), extend: (next) => next };
  },
};

/** Holt's damped linear trend. */
export const holt: Model = {
  name: 'holt',
  warmup: 1,
  // (1 − α)^60 < 1e-9: a level an hour old has no weight left.
  memory: 60,
  run(values, horizon) {
    const out = new Float64Array(values.length).fill(Number.NaN);
    if (values.length === 0) return { forecasts: out, extend: () => Number.NaN };
    let level = values[0]!;
    let trend = 0;
    for (let i = 1; i < values.length; i++) {
      [level, trend] = holtStep(level, trend, values[i]!);
      out[i] = peak(level, trend, horizon, () => 0);
    }
    return {
      forecasts: out,
      extend: (next) => {
        const [l, b] = holtStep(level, trend, next);
        return peak(l, b, horizon, () => 0);
      },
    };
  },
};

/** Additive Holt-Winters with a damped trend and a season of `m` steps; warms up over two seasons. */
export function seasonal(m: number, label: string): Model {
  return {
    name: `seasonal:${label}`,
    warmup: 2 * m - 1,
    // Initialised from one season, then enough more to forget it: (1 − γ)^k ≤ 0.1 of the first estimate left.
    memory: (1 + SETTLE) * m,
    run(values, horizon) {
      const n = values.length;
      const out = new Float64Array(n).fill(Number.NaN);
      if (n < m) return { forecasts: out, extend: () => Number.NaN };
      // Initial state from the first season: its mean as the level, deviations as the season.
      let level = 0;
      for (let j = 0; j < m; j++) level += values[j]! / m;
      let trend = 0;
      const season = new Float64Array(m);
      for (let j = 0; j < m; j++) season[j] = values[j]! - level;
      for (let i = m; i < n; i++) {
        const s = season[i % m]!;
        const [l, b, updated] = seasonalStep(level, trend, s, values[i]!);
        [level, trend] = [l, b];
        season[i % m] = updated;
        if (i >= 2 * m - 1) out[i] = peak(level, trend, horizon, (h) => season[(i + h) % m]!);
      }
      return {
        forecasts: out,
        // Step n on a copy of the state: the season slot it updates is read through `at`.
        extend: (next) => {
          if (n < 2 * m - 1) return Number.NaN;
          const slot = n % m;
          const [l, b, updated] = seasonalStep(level, trend, season[slot]!, next);
          const at = (h: number) => ((n + h) % m === slot ? updated : season[(n + h) % m]!);
          return peak(l, b, horizon, at);
        },
      };
    },
  };
}

/** One step of Holt's damped trend: the new level and trend after `value`. */
function holtStep(level: number, trend: number, value: number): [number, number] {
  const next = ALPHA * value + (1 - ALPHA) * (level + PHI * trend);
  return [next, BETA * (next - level) + (1 - BETA) * PHI * trend];
}

/** One step of Holt-Winters: the new level, trend and this slot's season after `value`. */
function seasonalStep(level: number, trend: number, season: number, value: number): [number, number, number] {
  const next = ALPHA * (value - season) + (1 - ALPHA) * (level + PHI * trend);
  const slope = BETA * (next - level) + (1 - BETA) * PHI * trend;
  return [next, slope, GAMMA * (value - next) + (1 - GAMMA) * season];
}

/** max over h = 1..horizon of level + (φ + … + φ^h)·trend + season(h). */
function peak(level: number, trend: number, horizon: number, seasonAt: (h: number) => number): number {
  let best = Number.NEGATIVE_INFINITY;
  let damp = 0;
  let phi = 1;
  for (let h = 1; h <= horizon; h++) {
    phi *= PHI;
    damp += phi;
    best = Math.max(best, level + damp * trend + seasonAt(h));
  }
  return best;
}
