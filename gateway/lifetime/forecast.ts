/**
 * The time-series forecast for runtimes called too rarely for a histogram (Shahrad et al. use ARIMA
 * for them). A simpler forecaster one can explain in a line: over a runtime's last idle times, the
 * next one is expected between the shortest and the longest of them; the runtime is pre-warmed
 * shortly before the shortest and kept until just after the longest, when that window is narrow
 * enough to be worth it. Pure: no I/O, no clock.
 */

/** Idle times kept per runtime for the forecast (the `forecast.samples` setting may use fewer). */
export const MAX_RECENT_IDLE_TIMES = 32;

/** The `gateway.keepWarm.forecast` settings (config/schema/gateway.ts holds their meaning and defaults). */
export interface ForecastRules {
  enabled: boolean;
  /** The last this many idle times are looked at. */
  samples: number;
  /** Fewer idle times than this: no forecast. */
  minSamples: number;
  /** A forecast whose warm window is wider than this, ms, is not used (the fixed keep-alive is). */
  maxWindow: number;
}

/** Appends one idle time to a runtime's recent ones (bounded). */
export function recordRecentIdle(recent: number[], idleMs: number): void {
  if (recent.length >= MAX_RECENT_IDLE_TIMES) recent.shift();
  recent.push(Math.max(0, idleMs));
}

/** A forecast: the next idle time expected in [low, high], ms after the last call. */
export interface IdleForecast {
  low: number;
  high: number;
}

/**
 * The window of the next idle time from the recent ones, widened by `margin` on both sides, or the
 * reason there is none (too few idle times, or a window wider than `maxWindow`).
 */
export function forecastIdle(
  recent: readonly number[],
  rules: ForecastRules,
  margin: number,
): IdleForecast | string {
  const last = recent.slice(-rules.samples);
  if (last.length < rules.minSamples)
    return `${last.length} recent idle times, the forecast needs ${rules.minSamples}`;
  const low = Math.floor(Math.min(...last) * (1 - margin));
  const high = Math.ceil(Math.max(...last) * (1 + margin));
  if (high - low > rules.maxWindow)
    return `idle times too irregular to forecast (window ${Math.round((high - low) / 1000)} s > ${Math.round(rules.maxWindow / 1000)} s)`;
  return { low, high };
}
