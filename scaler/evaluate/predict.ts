import { type ForecastResult, forecastPeak } from '../forecast/forecast.ts';
import type { HistoryPoint } from '../forecast/history.ts';
import type { Policy } from '../policy/schema.ts';

/** What the forecast proposes for one tick. */
export interface Prediction {
  /** Hosts the trusted forecasts ask for by the end of the lead (tolerance applied); null if none is trusted. */
  hosts: number | null;
  /** Hosts' worth of forecast demand (unrounded), or null. */
  demand: number | null;
  /**
   * With every metric forecast and trusted (combined by max): the hosts the forecast peak over the
   * break-even ahead needs (no tolerance), which replaces the peak over the scale-down window
   * behind; else null.
   */
  scaleDownFloor: number | null;
  /** Each forecast metric's result, by name (for the decision record). */
  forecasts: Record<string, ForecastResult>;
  detail: string;
}

/** Standard errors from which the backtest window's trend is not noise: p ≈ 0.003 two-sided. */
export const TREND_T = 3;

/**
 * Whether a forecast's history moves: the backtest window's straight-line trend is at least TREND_T
 * standard errors from flat (a trend, not noise) and moves the level by more than the tolerance's
 * band over the window (a trend the band could not absorb; a spurious slope on noise is small).
 */
export function moving(result: ForecastResult, tolerance: number): boolean {
  const trend = result.trend;
  if (!trend || result.upper === null) return false;
  return Math.abs(trend.t) >= TREND_T && Math.abs(trend.slope) * trend.steps >= tolerance * result.upper;
}

/** Floating-point slack so that 320 / 8 never ceils to 41. */
const EPSILON = 1e-9;

/**
 * The forecast's proposal (pure): for each `averagePerHost` metric, the upper bound of its peak over
 * the lead (capacity.bootTime + interval: a host started now serves from then) ÷ target; the max
 * over the trusted ones, with the same tolerance as the reactive proposal so noise moves nothing.
 * Other target types scale with the current count and are left to the reactive policy, as is a
 * `combine` formula. `quantiles` holds each metric's adaptive quantile (adaptive.ts), if any.
 */
export function predict(
  policy: Policy,
  history: Record<string, readonly HistoryPoint[]>,
  current: number,
  now: number,
  quantiles: Readonly<Record<string, number>> = {},
): Prediction {
  // The lead is also the break-even (ski rental) of drain-and-reboot: a host drained now and needed
  // again at s must be started again at the last tick at least bootTime before s, so it is held
  // (booting) for bootTime to bootTime + interval anyway; draining saves host-time only when no
  // second of the next bootTime + interval needs it. So one forecast serves both directions.
  const lead = policy.capacity.bootTime + policy.interval;
  const forecasts: Record<string, ForecastResult> = {};
  let demand: number | null = null;
  // Whether a trusted forecast asks for more hosts while its history moves (see moving).
  let rise = false;
  let allTrusted = policy.combine === 'max';
  for (const metric of policy.metrics) {
    if (metric.target.type !== 'averagePerHost') {
      allTrusted = false;
      continue;
    }
    const quarantine = policy.scaleDown.stabilizationWindow;
    const q = quantiles[metric.name] ?? policy.forecast.quantile;
    const result = forecastPeak(policy.forecast, history[metric.name] ?? [], now, lead, quarantine, q);
    forecasts[metric.name] = result;
    if (!result.trusted || result.upper === null) {
      allTrusted = false;
      continue;
    }
    const d = result.upper <= metric.activation ? 0 : result.upper / metric.target.value;
    if (moving(result, policy.tolerance) && d > current) rise = true;
    demand = Math.max(demand ?? 0, d);
  }
  const detail = Object.entries(forecasts)
    .map(([name, r]) => `${name}: ${r.detail}`)
    .join('; ');
  if (demand === null || policy.combine !== 'max') {
    return { hosts: null, demand: null, scaleDownFloor: null, forecasts, detail: detail || 'no forecast' };
  }
  // The tolerance's dead band keeps noise from moving the count; but while the history moves (a
  // ramp, not jitter) the band only leaves the bound unprovisioned: the count, brought down along the
  // forecast without the band (evaluate's forecast-down), would then stay up to a band's width under
  // the bound, and the bound's quantile already covers the noise. So a trusted bound above the count
  // raises it then. Without a trend (stationary noise, a plateau) the band holds: noise moves nothing.
  const within =
    current > 0 &&
    !(rise && demand > current) &&
    Math.abs(demand / current - 1) <= policy.tolerance + EPSILON;
  const hosts = within ? current : Math.ceil(demand - EPSILON);
  const scaleDownFloor = allTrusted ? Math.ceil(demand - EPSILON) : null;
  return { hosts, demand, scaleDownFloor, forecasts, detail };
}
