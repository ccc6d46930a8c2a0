import { type ForecastRules, forecastIdle, recordRecentIdle } from './forecast.ts';
import { IdleHistogram } from './idle-histogram.ts';

/** The keep-warm rules (`gateway.keepWarm`; config/schema/gateway.ts holds the defaults). */
export interface LifetimeRules {
  /** Width of one histogram bin, ms (the paper: 1 minute). */
  binMs: number;
  /** Bins; the histogram covers `bins × binMs` (the paper: 240, four hours). */
  bins: number;
  /** Pre-warm shortly before this percentile of the idle times (the paper: 5). */
  headPercentile: number;
  /** Keep warm until this percentile of the idle times (the paper: 99). */
  tailPercentile: number;
  /** Safety margin on both windows, a fraction (the paper: 0.1). */
  margin: number;
  /** Idle times needed before the histogram is trusted. */
  minSamples: number;
  /** Bin-count coefficient of variation below which the histogram is too flat to predict (the paper: 2). */
  minCv: number;
  /** Share of idle times past the histogram's range above which it is not used (the paper: 0.5). */
  maxOutOfBounds: number;
  /** The keep-alive while the histogram is not representative, ms. */
  fixedKeepAlive: number;
  /** The forecast for runtimes too rare for a histogram (forecast.ts); absent or off: the fixed keep-alive. */
  forecast?: ForecastRules;
}

/** A pin from the configuration, already matched to the runtime: overrides the prediction. */
export interface Pin {
  /** Keep the runtime warm whatever its history. */
  alwaysWarm: boolean;
  /** Never keep it warm longer than this after its last call, ms (undefined: no cap). */
  maxIdle: number | undefined;
}

/** What is known of one runtime. */
export interface RuntimeHistory {
  histogram: IdleHistogram;
  /** When its last call ended (or started, while calls run), ms. */
  lastCallAt: number | undefined;
  /** Calls running now. */
  running: number;
  /** The latest idle times, oldest first (the forecast's input; forecast.ts bounds it). */
  recent: number[];
}

/** When a runtime should be warm after its last call: from `warmFrom` until `warmUntil` (ms, absolute). */
export interface LifetimePlan {
  /** `histogram`: predicted; `forecast`: a rare runtime's recent idle times; `fixed`: the fallback keep-alive; `pinned`: a pin decided; `running`: a call is running. */
  basis: 'histogram' | 'forecast' | 'fixed' | 'pinned' | 'running';
  warmFrom: number;
  warmUntil: number;
  /** The head and tail percentiles the plan came from, ms after the last call (histogram basis). */
  head?: number;
  tail?: number;
  /** Why the histogram was not used (fixed basis). */
  why?: string;
}

/** A new, empty history. */
export function newHistory(rules: LifetimeRules): RuntimeHistory {
  return {
    histogram: new IdleHistogram(rules.binMs, rules.bins),
    lastCallAt: undefined,
    running: 0,
    recent: [],
  };
}

/** Records the start of a call at `now`: the idle time since the last call ended goes to the histogram. */
export function callStarted(history: RuntimeHistory, now: number): void {
  if (history.running === 0 && history.lastCallAt !== undefined) {
    history.histogram.record(now - history.lastCallAt);
    recordRecentIdle(history.recent, now - history.lastCallAt);
  }
  history.running += 1;
  history.lastCallAt = now;
}

/** Records the end of a call at `now`. */
export function callEnded(history: RuntimeHistory, now: number): void {
  history.running = Math.max(0, history.running - 1);
  history.lastCallAt = now;
}

/**
 * The hybrid histogram policy (Shahrad et al., ATC 2020) for one runtime. With a representative
 * histogram (enough idle times, peaked, mostly in range): unload after a call, pre-warm at the head
 * percentile of the idle times less the margin, keep warm until the tail percentile plus the margin.
 * Otherwise: keep warm for the fixed keep-alive after the last call. A pin overrides both. Pure.
 */
export function planLifetime(history: RuntimeHistory, rules: LifetimeRules, pin?: Pin): LifetimePlan {
  const last = history.lastCallAt ?? Number.NEGATIVE_INFINITY;
  if (pin?.alwaysWarm) return { basis: 'pinned', warmFrom: last, warmUntil: Number.POSITIVE_INFINITY };
  if (history.running > 0) return { basis: 'running', warmFrom: last, warmUntil: Number.POSITIVE_INFINITY };
  const cap = (until: number) => (pin?.maxIdle === undefined ? until : Math.min(until, last + pin.maxIdle));
  const why = notRepresentative(history.histogram, rules);
  if (why !== undefined) {
    // Too few idle times, or too many past its range (not a flat histogram): the forecast may know.
    const h = history.histogram;
    const rare = h.total < rules.minSamples || h.outOfBounds / h.total > rules.maxOutOfBounds;
    if (rare && rules.forecast?.enabled) {
      const f = forecastIdle(history.recent, rules.forecast, rules.margin);
      if (typeof f !== 'string')
        return {
          basis: 'forecast',
          warmFrom: last + f.low,
          warmUntil: cap(last + f.high),
          head: f.low,
          tail: f.high,
        };
      return {
        basis: 'fixed',
        warmFrom: last,
        warmUntil: cap(last + rules.fixedKeepAlive),
        why: `${why}; ${f}`,
      };
    }
    return { basis: 'fixed', warmFrom: last, warmUntil: cap(last + rules.fixedKeepAlive), why };
  }
  const h = history.histogram;
  const head = h.percentile(rules.headPercentile, 'lower')!;
  const tail = h.percentile(rules.tailPercentile, 'upper')!;
  const warmFrom = last + Math.floor(head * (1 - rules.margin));
  const warmUntil = cap(last + Math.ceil(tail * (1 + rules.margin)));
  return { basis: 'histogram', warmFrom, warmUntil, head, tail };
}

/** Why a histogram cannot be used for a prediction yet, or undefined when it can. */
export function notRepresentative(h: IdleHistogram, rules: LifetimeRules): string | undefined {
  if (h.total < rules.minSamples) return `${h.total} idle times, ${rules.minSamples} needed`;
  if (h.outOfBounds / h.total > rules.maxOutOfBounds) {
    return `${Math.round((100 * h.outOfBounds) / h.total)} % of idle times exceed the histogram's ${Math.round((h.counts.length * h.binMs) / 1000)} s`;
  }
  const cv = h.binCv();
  if (cv < rules.minCv) return `bin counts too even (CV ${cv.toFixed(2)} < ${rules.minCv})`;
  return undefined;
}

/** Whether the plan wants the runtime warm at `now`. */
export function wantsWarm(plan: LifetimePlan, now: number): boolean {
  return now >= plan.warmFrom && now < plan.warmUntil;
}
