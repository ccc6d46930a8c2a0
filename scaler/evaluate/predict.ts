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

/** Floating-point slack so that 320 / 8 never ceils to 41. */
const EPSILON = 1e-9;

/**
 * The forecast's proposal (pure): for each `averagePerHost` metric, the upper bound of its peak over
 * the lead (capacity.bootTime + interval: a host started now serves from then) ÷ target; the max
 * over the trusted ones, with the same tolerance as the reactive proposal so noise moves nothing.
 * Other target types scale with the current count and are left to the reactive policy, as is a
 * `combine` formula.
 */
export function predict(
  policy: Policy,
  history: Record<string, readonly HistoryPoint[]>,
  current: number,
  now: number,
): Prediction {
  // The lead is also the break-even (ski rental) of drain-and-reboot: a host drained now and needed
  // again at s must be started again at the last tick at least bootTime before s, so it is held
  // (booting) for bootTime to bootTime + interval anyway; draining saves host-time only when no
  // second of the next bootTime + interval needs it. So one forecast serves both directions.
  const lead = policy.capacity.bootTime + policy.interval;
  const forecasts: Record<string, ForecastResult> = {};
  let demand: number | null = null;
  let allTrusted = policy.combine === 'max';
  for (const metric of policy.metrics) {
    if (metric.target.type !== 'averagePerHost') {
      allTrusted = false;
      continue;
    }
    const quarantine = policy.scaleDown.stabilizationWindow;
    const result = forecastPeak(policy.forecast, history[metric.name] ?? [], now, lead, quarantine);
    forecasts[metric.name] = result;
    if (!result.trusted || result.upper === null) {
      allTrusted = false;
      continue;
    }
    const d = result.upper <= metric.activation ? 0 : result.upper / metric.target.value;
    demand = Math.max(demand ?? 0, d);
  }
  const detail = Object.entries(forecasts)
    .map(([name, r]) => `${name}: ${r.detail}`)
    .join('; ');
  if (demand === null || policy.combine !== 'max') {
    return { hosts: null, demand: null, scaleDownFloor: null, forecasts, detail: detail || 'no forecast' };
  }
  const within = current > 0 && Math.abs(demand / current - 1) <= policy.tolerance + EPSILON;
  const hosts = within ? current : Math.ceil(demand - EPSILON);
  const scaleDownFloor = allTrusted ? Math.ceil(demand - EPSILON) : null;
  return { hosts, demand, scaleDownFloor, forecasts, detail };
}
