/** The trend test of the forecaster (pure; see forecast.ts): is the history rising, beyond its noise? */

/** A least-squares line through a window of steps: its slope (per step) and t-statistic. */
export interface TrendFit {
  /** Change per step. */
  slope: number;
  /** Slope ÷ its standard error: how many standard errors it is away from flat. */
  t: number;
  /** Steps fitted. */
  steps: number;
}

/**
 * Fits a straight line to `values[from..]` by least squares and returns its slope with the slope's
 * t-statistic (slope ÷ standard error, from the residuals' variance with n − 2 degrees of freedom).
 * Stationary noise gives |t| of about 1; a ramp that rises steadily across the window gives a large t
 * even when each step's noise is larger than the step's rise. Null with fewer than 3 steps; a
 * window without residuals (an exact line) gives ±Infinity, or 0 when flat.
 */
export function trendOf(values: readonly number[], from: number): TrendFit | null {
  const start = Math.max(0, from);
  const n = values.length - start;
  if (n < 3) return null;
  const xMean = (n - 1) / 2;
  let yMean = 0;
  for (let i = start; i < values.length; i++) yMean += values[i]! / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = start; i < values.length; i++) {
    const x = i - start - xMean;
    sxy += x * (values[i]! - yMean);
    sxx += x * x;
  }
  const slope = sxy / sxx;
  let sse = 0;
  for (let i = start; i < values.length; i++) {
    const fit = yMean + slope * (i - start - xMean);
    sse += (values[i]! - fit) ** 2;
  }
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const t =
    se > 0 ? slope / se : slope === 0 ? 0 : slope > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return { slope, t, steps: n };
}
