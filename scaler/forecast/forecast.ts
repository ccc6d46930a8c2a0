import { type Buckets, bucketsOf, type HistoryPoint, restOfStep } from './history.ts';
import { holt, type Model, type ModelRun, naive, seasonal } from './models.ts';
import { changeBand, despike, errorSince } from './shocks.ts';
import { type TrendFit, trendOf } from './trend.ts';

/** The forecaster's settings (the policy's `forecast` block, durations in ms). */
export interface ForecastSettings {
  /** History resolution: one value (the peak) per step. */
  step: number;
  /** How much history the forecaster reads. */
  lookback: number;
  /** Candidate seasons (ms); a season is tried once the history holds two of it plus the window. */
  seasons: readonly number[];
  /** Coverage wanted of the upper bound, e.g. 0.9: demand stays under it 9 steps out of 10. */
  quantile: number;
  /** Relative error bound: above it the forecast is not trusted. */
  maxError: number;
  /** How far back forecasts are checked against what happened (the backtest window). */
  errorWindow: number;
  /** Less history than this: no forecast. */
  minHistory: number;
}

/** Why the forecast was or was not used. */
export type ForecastReason = 'ForecastTrusted' | 'ForecastNoHistory' | 'ForecastUntrusted';

/** A forecast of the peak demand from now to `now + lead`, with its error so far (plain data). */
export interface ForecastResult {
  trusted: boolean;
  reason: ForecastReason;
  /** The model the backtest chose, e.g. `seasonal:1h`; null without enough history. */
  model: string | null;
  /** Point forecast of the peak over the lead. */
  point: number | null;
  /** Added to the point so the bound covers `quantile` of the backtest (its residuals' quantile). */
  margin: number | null;
  /** point + margin (or `ceiling` when capped there): what the policy provisions for when trusted. */
  upper: number | null;
  /**
   * The highest step peak of the backtest window; when the point forecast is not above it, the
   * upper bound is capped there (no rise forecast, no bound above what the window has shown).
   */
  ceiling?: number | null;
  /**
   * The straight-line trend of the (despiked) backtest window: its slope per step, the slope's
   * t-statistic and the steps it spans (trend.ts). A caller tells a ramp from noise with it.
   */
  trend?: { slope: number; t: number; steps: number } | null;
  /** Mean absolute error of the point forecast ÷ mean demand over the backtest window. */
  error: number | null;
  /** Share of backtest steps whose peak stayed at or under the upper bound. */
  coverage: number | null;
  /** Backtest steps behind `error`. */
  samples: number;
  /**
   * With a shock within the quarantine: the chosen model's relative error over the forecasts made
   * since the newest one and how many were scored (null: fewer than 3 so far). Within maxError,
   * trust returns before the quarantine ends.
   */
  afterShock?: { error: number; steps: number } | null;
  /**
   * Steps ahead the peak is taken over: after the step under way when it has samples (its peak so
   * far is then the newest value the models read), else from the step under way on.
   */
  horizonSteps: number;
  /** Peak of the step under way so far (a lower bound of its peak); null before its first sample. */
  current?: number | null;
  detail: string;
}

/** Fewer backtest steps than this and the error is not known well enough to trust anything. */
const MIN_SAMPLES = 10;

/** Scored forecasts made since a shock that give trust back early when within maxError (errorSince). */
const AFTER_SHOCK_STEPS = 3;

/**
 * Forecasts the peak of a metric from `now` to `now + lead` (lead = host boot time + one interval:
 * a host started now serves from then), pure: history and time are arguments.
 *
 * Method: every candidate model (models.ts) is run over the history; each one's forecasts of the
 * past are compared with what happened over `errorWindow` (a rolling-origin backtest, FPP3 §5.10).
 * Each model's upper bound is its point forecast plus the `quantile`-quantile of its residuals (a
 * split-conformal bound: coverage holds without assuming a distribution; Vovk et al. 2005), and the
 * model with the lowest pinball loss of that bound wins — the proper score for a quantile
 * (Gneiting 2011), so the choice trades coverage against headroom exactly as provisioning does.
 * The step under way is the freshest evidence there is: once it has samples, their peak joins the
 * history as its newest value and the models forecast the steps after it (a one-step-ahead forecast
 * where waiting for the step to end would make it two steps, with the larger error of two), and the
 * upper bound is never below it. The forecast is trusted only with enough history, a relative error
 * within `maxError` and no shock (see changeBand) within the last `quarantine` ms, unless the
 * forecasts made since the newest shock have been scored (at least AFTER_SHOCK_STEPS of them)
 * within `maxError` against the raw history, and none in the step under way; otherwise the caller scales on the reactive policy alone. `quantile` replaces the
 * settings' one (an adaptive quantile, adaptive.ts).
 */
export function forecastPeak(
  settings: ForecastSettings,
  points: readonly HistoryPoint[],
  now: number,
  lead: number,
  quarantine = 0,
  quantile = settings.quantile,
): ForecastResult {
  // Only complete steps, the position within the current one and its peak so far matter, so a
  // scaler asking twice in one tick, or with the same value again, is answered from the cache.
  const step = settings.step;
  const end = Math.floor(now / step) * step;
  const partial = currentPeak(points, end, now);
  const through = stepsThrough(step, now, lead);
  const minuteKey = `${end}|${countBefore(points, end)}|${through}|${quarantine}`;
  const key = `${minuteKey}|${partial}|${now - end}|${lead}|${quantile}`;
  let entries = CACHE.get(points);
  if (!entries) {
    entries = [];
    CACHE.set(points, entries);
  }
  let hit = entries.find((e) => e.key === key && e.settings === settings);
  if (!hit) {
    // What only complete steps decide (the buckets, shocks, every model's run over them) is kept
    // for the whole step: only the step under way changes from one tick to the next within it.
    const minute =
      entries.find((e) => e.minute.key === minuteKey && e.settings === settings)?.minute ??
      prepare(settings, bucketsOf(points, step, now, settings.lookback), through, quarantine, minuteKey);
    // The quantile may be adapted tick by tick (adaptive.ts): it changes only the scoring of the
    // backtest (memoised per quantile in the minute), never the models' runs.
    const at = quantile === settings.quantile ? settings : { ...settings, quantile };
    hit = {
      key,
      settings,
      minute,
      ...compute(at, minute, now, lead, quarantine, underWay(at, points, now, partial)),
    };
    entries.push(hit);
    if (entries.length > 8) entries.shift();
  }
  // The step under way is checked against the band of changes the history explains.
  if (!hit.result.trusted || !hit.band || partial === null) return hit.result;
  const change = partial - hit.band.last;
  if (Math.abs(change - hit.band.median) <= hit.band.bound) return hit.result;
  return {
    ...hit.result,
    trusted: false,
    reason: 'ForecastUntrusted',
    detail: `${hit.result.detail.replace(/: trusted$/, '')}, but the value now changed by ${fmt(change)} from the last step, beyond ${fmt(hit.band.bound)}: not trusted`,
  };
}

/** The step under way: its peak so far and what the history says it may still add (see compute). */
interface UnderWay {
  /** Peak of its samples so far. */
  partial: number;
  /** Median of what past steps added to their peak after the same position: the point estimate. */
  median: number;
  /** Its conformal `quantile`: what the bound adds. */
  bound: number;
}

/** The step under way, or null before its first sample or without enough complete steps to judge. */
function underWay(
  settings: ForecastSettings,
  points: readonly HistoryPoint[],
  now: number,
  partial: number | null,
): UnderWay | null {
  if (partial === null) return null;
  const rests = restOfStep(points, settings.step, now, settings.errorWindow);
  if (rests.length < MIN_SAMPLES) return null;
  const q = Math.min(rests.length - 1, Math.ceil((rests.length + 1) * settings.quantile) - 1);
  return { partial, median: rests[rests.length >> 1]!, bound: rests[q]! };
}

/** The peak of the samples in the step that began at `end`, up to `now`; null without any. */
function currentPeak(points: readonly HistoryPoint[], end: number, now: number): number | null {
  let peak: number | null = null;
  for (let k = points.length - 1; k >= 0 && points[k]!.t >= end; k--) {
    const p = points[k]!;
    if (p.t <= now && Number.isFinite(p.value)) peak = Math.max(peak ?? p.value, p.value);
  }
  return peak;
}

/**
 * Results by history array. The answer is a function of the arguments alone (the key holds
 * everything that changes it for an append-only history), so this cache is invisible to callers.
 */
const CACHE = new WeakMap<
  readonly HistoryPoint[],
  {
    key: string;
    settings: ForecastSettings;
    minute: Minute;
    result: ForecastResult;
    band: Band | null;
  }[]
>();

/**
 * Steps from the current one to the one holding the last instant of the lead (now + lead − 1 ms):
 * at a step boundary the next tick can still start hosts in time for the next step. The scaler
 * decides during a step for the next one, so the step after the one under way is always covered.
 */
function stepsThrough(step: number, now: number, lead: number): number {
  return Math.max(2, Math.floor((now + lead - 1) / step) - Math.floor(now / step) + 1);
}

/**
 * What the complete steps alone decide, for every tick of the step under way: the history as
 * buckets, its band of changes and despiked copy, and each model's run over it per horizon (the
 * forecast from the step under way's estimate is then one more step of each run: Model.extend).
 */
interface Minute {
  key: string;
  buckets: Buckets;
  /** Backtest steps. */
  windowSteps: number;
  band: ReturnType<typeof changeBand>;
  /** The despiked history the models learn from. */
  c: readonly number[];
  /** The highest step peak of the backtest window (raw history): the ceiling of a bound with no rise forecast. */
  seen: number;
  /** The despiked history's straight-line trend over the backtest window (trendOf). */
  trend: TrendFit | null;
  models: readonly Model[];
  /** Each eligible model's run by horizon, with the offset of its first value in `c`. */
  runs: Map<number, { name: string; from: number; run: ModelRun }[]>;
  /** Each horizon's backtest window (windowOf), by `horizon|quantile`. */
  windows: Map<string, Window | null>;
  /** The forecast of the step under way from complete steps (horizon 1, no newest value), by quantile. */
  stepFits: Map<number, Fit | null>;
}

function prepare(
  settings: ForecastSettings,
  buckets: Buckets,
  through: number,
  quarantine: number,
  key: string,
): Minute {
  const { step } = settings;
  const a = buckets.values;
  const n = a.length;
  const windowSteps = Math.max(1, Math.floor(settings.errorWindow / step));
  // Shocks are judged on the raw history; spikes that came and went are then taken out of what the
  // models learn from (they would echo in a trend or a season), as R's tsclean does (Hyndman).
  // The backtest window (of the longer horizon): where the level and the band are measured.
  const windowStart = Math.max(0, n - through - windowSteps);
  let level = 0;
  for (let i = windowStart; i < n; i++) level += a[i]! / (n - windowStart);
  const recent = Math.ceil(quarantine / step);
  const band = changeBand(a, windowStart, recent, settings.maxError * level, MIN_SAMPLES);
  const c = band ? despike(a, band, recent) : a;
  const models: Model[] = [naive, holt];
  for (const season of settings.seasons) {
    const m = Math.round(season / step);
    if (m >= 2) models.push(seasonal(m, label(season)));
  }
  let seen = Number.NEGATIVE_INFINITY;
  for (let i = Math.max(0, n - windowSteps); i < n; i++) seen = Math.max(seen, a[i]!);
  const trend = trendOf(c, n - windowSteps);
  return {
    key,
    buckets,
    windowSteps,
    band,
    c,
    seen,
    trend,
    models,
    runs: new Map(),
    windows: new Map(),
    stepFits: new Map(),
  };
}

/** Every eligible model's run over the history for `horizon` (memoised in the minute). */
function runsFor(minute: Minute, horizon: number): { name: string; from: number; run: ModelRun }[] {
  const cached = minute.runs.get(horizon);
  if (cached) return cached;
  const { c, windowSteps } = minute;
  const first = Math.max(0, c.length - 1 - horizon - windowSteps + 1);
  const runs: { name: string; from: number; run: ModelRun }[] = [];
  for (const model of minute.models) {
    if (model.warmup > first) continue;
    // Feed only the steps the model still remembers (see Model.memory), keeping the warm-up whole.
    const from = Math.max(0, Math.min(first - model.warmup, first - model.memory));
    runs.push({ name: model.name, from, run: model.run(c.slice(from), horizon) });
  }
  minute.runs.set(horizon, runs);
  return runs;
}

/** How many points are older than `t`, for an oldest-first history (binary search). */
function countBefore(points: readonly HistoryPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What step-to-step change the history explains: median ± bound, from the last complete value. */
interface Band {
  median: number;
  bound: number;
  last: number;
}

function compute(
  settings: ForecastSettings,
  minute: Minute,
  now: number,
  lead: number,
  quarantine: number,
  under: UnderWay | null,
): { result: ForecastResult; band: Band | null } {
  const { step } = settings;
  const a = minute.buckets.values;
  const n = a.length;
  const through = stepsThrough(step, now, lead);
  const partial = under?.partial ?? null;
  // With samples of the step under way, its estimated peak is the models' newest value and they
  // forecast the steps after it; without, they forecast from the last complete step on.
  const horizon = under === null ? through : through - 1;
  const empty = (reason: ForecastReason, detail: string): ForecastResult => ({
    trusted: false,
    reason,
    model: null,
    point: null,
    margin: null,
    upper: null,
    error: null,
    coverage: null,
    samples: 0,
    horizonSteps: horizon,
    current: partial,
    detail,
  });
  if (n * step < settings.minHistory || n - 1 - through < MIN_SAMPLES - 1) {
    const have = `${fmt((n * step) / 60_000)} min of history, need ${fmt(settings.minHistory / 60_000)} min`;
    return { result: empty('ForecastNoHistory', have), band: null };
  }
  const { band } = minute;
  const raw = a;
  // The step under way: its peak so far plus what steps usually still add after this point, or the
  // models' forecast of it from the complete steps, whichever is lower, and never below its peak so
  // far (the first is exact for demand flat within a step, the second better when a step's samples
  // wander: noise, a fast cycle). Both its estimate (the models' newest value) and its upper bound
  // are taken so: adding the median rest to a peak so far that is already high would overshoot
  // on noise, where the rest of a step adds little to a high sample.
  let stepFit: Fit | null = null;
  let currentUpper = 0;
  let newest: number | null = null;
  if (under !== null) {
    currentUpper = under.partial + under.bound;
    newest = under.partial + under.median;
    if (under.bound > 0) {
      if (!minute.stepFits.has(settings.quantile)) {
        minute.stepFits.set(settings.quantile, backtest(settings, minute, 1, null));
      }
      stepFit = minute.stepFits.get(settings.quantile) ?? null;
      if (stepFit) {
        currentUpper = Math.max(
          under.partial,
          Math.min(currentUpper, stepFit.best.point + stepFit.best.margin),
        );
        newest = Math.max(under.partial, Math.min(newest, stepFit.best.point));
      }
    }
  }
  const ahead = backtest(settings, minute, horizon, newest);
  if (!ahead) return { result: empty('ForecastNoHistory', 'no model could forecast'), band: null };
  const { best, samples } = ahead;
  const error = Math.max(ahead.error, stepFit?.error ?? 0);
  // After a shock, the quarantine lasts while the chosen model's forecasts made since it miss what
  // really happened (the raw peaks: a spike the models do not learn from still counts).
  const shockAt = band?.shockAt ?? null;
  let afterShock: { error: number; steps: number } | null = null;
  if (shockAt !== null) {
    const targets = new Float64Array(best.forecasts.length);
    for (let k = 0; k < targets.length; k++) {
      let peak = Number.NEGATIVE_INFINITY;
      for (let h = 1; h <= horizon; h++) peak = Math.max(peak, a[ahead.first + k + h]!);
      targets[k] = peak;
    }
    afterShock = errorSince(best.forecasts, targets, ahead.first, shockAt, AFTER_SHOCK_STEPS);
  }
  // No rise forecast (the point, raised by the error the model made in nine backtest steps out of
  // ten when that is positive, at or under the highest peak of the backtest window; a model that
  // lags a ramp, as naive does, forecasts the rise through that error): the bound is capped at that
  // peak, which on demand without a trend or a season is itself a high quantile of it (1 − 1/n over
  // n steps). The conformal margin alone would put the bound above anything the window has shown,
  // and on stationary noise near the edge of the tolerance band cross it now and then: a host
  // started for nothing and drained on the next tick.
  const seen = Math.max(minute.seen, partial ?? Number.NEGATIVE_INFINITY);
  const bound = Math.max(0, best.point + best.margin, currentUpper);
  const capped = best.centre <= seen && bound > seen;
  const upper = capped ? Math.max(0, seen) : bound;
  const shock = band?.shock ?? null;
  const recovered = afterShock !== null && afterShock.error <= settings.maxError;
  const trusted = error <= settings.maxError && Number.isFinite(upper) && (shock === null || recovered);
  const since =
    afterShock === null
      ? `fewer than ${AFTER_SHOCK_STEPS} forecasts scored since`
      : `error ${pct(afterShock.error)} over the ${afterShock.steps} forecasts since`;
  const why =
    error > settings.maxError
      ? `> bound ${pct(settings.maxError)}: not trusted`
      : shock !== null
        ? `≤ bound ${pct(settings.maxError)}; a change of ${fmt(shock)} within the last ${fmt(quarantine / 1000)}s is beyond ${fmt(band!.bound)}, ${since}${recovered ? ': trusted' : ': not trusted'}`
        : `≤ bound ${pct(settings.maxError)}: trusted`;
  const result: ForecastResult = {
    trusted,
    reason: trusted ? 'ForecastTrusted' : 'ForecastUntrusted',
    model: best.model,
    point: round(best.point),
    margin: round(best.margin),
    upper: round(upper),
    ceiling: Number.isFinite(seen) ? round(seen) : null,
    trend: minute.trend
      ? { slope: round(minute.trend.slope), t: round(minute.trend.t), steps: minute.trend.steps }
      : null,
    error: round(error),
    coverage: round(best.coverage),
    samples,
    ...(shockAt === null
      ? {}
      : { afterShock: afterShock && { error: round(afterShock.error), steps: afterShock.steps } }),
    horizonSteps: horizon,
    current: partial,
    detail: `${best.model}: peak ${fmt(upper)} (${fmt(best.point)} + ${fmt(best.margin)}${capped ? `, capped at ${fmt(seen)}, the highest peak of the last ${minute.windowSteps} steps: no rise forecast` : ''}) over the next ${fmt(lead / 1000)}s${minute.trend ? `; trend ${fmt(minute.trend.slope)}/step over ${minute.trend.steps} steps (t ${fmt(minute.trend.t)})` : ''}${partial === null ? '' : ` (the step under way: ${fmt(partial)} so far, up to ${fmt(currentUpper)}; forecast ${horizon} step(s) past it)`}; error ${pct(error)} over ${samples} steps ${why}`,
  };
  return { result, band: band ? { median: band.median, bound: band.bound, last: raw[n - 1]! } : null };
}

/** The model the backtest chose for one horizon, its error and how many steps judged it. */
interface Fit {
  best: Scored;
  error: number;
  samples: number;
  /** The history index of the window's first forecast origin (best.forecasts[0]). */
  first: number;
}

/**
 * Scores every model's forecasts (runsFor) of the peak of the next `horizon` steps over the last
 * `windowSteps` complete ones of the (despiked) history; `newest` (the step under way's estimated
 * peak) is appended for the forecast from now only. Null when no model can forecast.
 */
function backtest(
  settings: ForecastSettings,
  minute: Minute,
  horizon: number,
  newest: number | null,
): Fit | null {
  const w = windowOf(settings, minute, horizon);
  if (!w) return null;
  const n = minute.c.length;
  // The forecast from now of each model whose past forecasts are all finite; the others sit out.
  const ok: { judged: Judged; point: number }[] = [];
  for (const m of w.models) {
    if (!m.judged) continue;
    const point = newest === null ? m.run.forecasts[n - 1 - m.from]! : m.run.extend(newest);
    if (Number.isFinite(point)) ok.push({ judged: m.judged, point });
  }
  const candidates = ok.map((m) => finish(m.judged, m.point));
  // The mean of every model is a candidate too: combining forecasts beats picking one more often
  // than not (Clemen 1989; the M4 competition, Makridakis et al. 2020).
  if (ok.length > 2) {
    let point = 0;
    for (const m of ok) point += m.point / ok.length;
    const all = ok.length === w.models.filter((m) => m.judged).length;
    const judged =
      all && w.mean
        ? w.mean
        : judge('mean', meanOf(ok.map((m) => m.judged.forecasts)), w.target, settings.quantile);
    candidates.push(finish(judged, point));
  }
  let best: Scored | undefined;
  for (const scored of candidates) if (!best || scored.loss < best.loss) best = scored;
  if (!best) return null;
  const mean = w.target.reduce((s, v) => s + v, 0) / w.samples;
  const error = mean > 0 ? best.mae / mean : best.mae > 0 ? Number.POSITIVE_INFINITY : 0;
  const first = minute.c.length - horizon - w.samples;
  return { best, error, samples: w.samples, first };
}

/**
 * The backtest window of one horizon, the same all the step under way long: what happened (the
 * peak of the next `horizon` steps after each step of the window) and each model's forecasts of it,
 * judged (memoised in the minute). Null with fewer than MIN_SAMPLES steps.
 */
function windowOf(settings: ForecastSettings, minute: Minute, horizon: number): Window | null {
  const memo = `${horizon}|${settings.quantile}`;
  const cached = minute.windows.get(memo);
  if (cached !== undefined) return cached;
  const { c, windowSteps } = minute;
  const n = c.length;
  const last = n - 1 - horizon; // the newest step whose next `horizon` steps are all known
  const first = Math.max(0, last - windowSteps + 1);
  const samples = last - first + 1;
  if (samples < MIN_SAMPLES) {
    minute.windows.set(memo, null);
    return null;
  }
  const target = new Float64Array(samples);
  for (let i = first; i <= last; i++) {
    let peak = Number.NEGATIVE_INFINITY;
    for (let h = 1; h <= horizon; h++) peak = Math.max(peak, c[i + h]!);
    target[i - first] = peak;
  }
  const models = runsFor(minute, horizon).map(({ name, from, run }) => {
    const forecasts = run.forecasts.slice(first - from, first - from + samples);
    const judged = forecasts.every(Number.isFinite)
      ? judge(name, forecasts, target, settings.quantile)
      : null;
    return { from, run, judged };
  });
  const finite = models.flatMap((m) => (m.judged ? [m.judged.forecasts] : []));
  const mean = finite.length > 2 ? judge('mean', meanOf(finite), target, settings.quantile) : null;
  const w: Window = { samples, target, models, mean };
  minute.windows.set(memo, w);
  return w;
}

/** One horizon's backtest window (windowOf). */
interface Window {
  samples: number;
  /** What happened: the peak of the next `horizon` steps after each step of the window. */
  target: Float64Array;
  /** Each model's run; `judged` null when a forecast of the window is not finite (it sits out). */
  models: { from: number; run: ModelRun; judged: Judged | null }[];
  /** The mean of every judged model's forecasts, judged; null with fewer than three. */
  mean: Judged | null;
}

/** The mean of several models' forecasts, step by step. */
function meanOf(runs: readonly Float64Array[]): Float64Array {
  const mean = new Float64Array(runs[0]!.length);
  for (const r of runs) for (let k = 0; k < mean.length; k++) mean[k]! += r[k]! / runs.length;
  return mean;
}

interface Scored {
  model: string;
  loss: number;
  mae: number;
  margin: number;
  point: number;
  /**
   * The point raised by the error the model made in nine backtest steps out of ten (when positive):
   * a model that lags a rise (naive on a ramp) forecasts it through that error.
   */
  centre: number;
  coverage: number;
  /** Its forecasts of the backtest window (origin by origin). */
  forecasts: Float64Array;
}

/** A model's forecasts of the backtest window scored against what happened, both ways (score). */
interface Judged {
  model: string;
  forecasts: Float64Array;
  mae: number;
  /** The additive margin and its pinball loss. */
  additive: number;
  /** The 10 % quantile of the residuals and of the ratios (NaN without positive forecasts). */
  low: number;
  lowFactor: number;
  a: { loss: number; coverage: number };
  /** The relative factor and its loss: only when every forecast of the window is positive. */
  factor: number;
  r: { loss: number; coverage: number } | undefined;
}

/** Scores forecasts of the window (without the forecast from now) against what happened. */
function judge(model: string, forecasts: Float64Array, target: Float64Array, q: number): Judged {
  const n = target.length;
  const residuals = new Float64Array(n);
  let mae = 0;
  for (let k = 0; k < n; k++) {
    residuals[k] = target[k]! - forecasts[k]!;
    mae += Math.abs(residuals[k]!);
  }
  // Additive errors (a margin in demand units) or relative ones (a factor): whichever bound scores
  // better, as ETS chooses between additive and multiplicative errors (Hyndman et al. 2008). Demand
  // whose noise grows with its level (a daily cycle) wants the factor.
  const additive = conformal(residuals, q);
  const positive = forecasts.every((f) => f > 0);
  const ratios = positive ? target.map((t, k) => t / forecasts[k]!) : undefined;
  const factor = ratios ? conformal(ratios, q) : Number.NaN;
  const a = pinball(target, (k) => forecasts[k]! + additive, q);
  const r = ratios ? pinball(target, (k) => forecasts[k]! * factor, q) : undefined;
  const low = conformal(residuals, LOW);
  const lowFactor = ratios ? conformal(ratios, LOW) : Number.NaN;
  return { model, forecasts, mae: mae / n, additive, low, lowFactor, a, factor, r };
}

/** A judged model with its forecast from now: the bound that scored better (relative needs point > 0). */
function finish(j: Judged, point: number): Scored {
  const relative = j.r !== undefined && point > 0 && j.r.loss < j.a.loss;
  const chosen = relative ? j.r! : j.a;
  return {
    model: relative ? `${j.model} (relative)` : j.model,
    loss: chosen.loss,
    mae: j.mae,
    margin: relative ? point * (j.factor - 1) : j.additive,
    point,
    centre: relative ? point * Math.max(1, j.lowFactor) : point + Math.max(0, j.low),
    coverage: chosen.coverage,
    forecasts: j.forecasts,
  };
}

/** The quantile of the errors that tells a model lagging a rise (always under) from noise (both ways). */
const LOW = 0.1;

/** Split-conformal quantile: the ⌈(n + 1)·q⌉-th smallest value. */
function conformal(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length + 1) * q) - 1)]!;
}

/** Mean pinball loss at `q` of an upper bound, and the share of steps it covered. */
function pinball(
  target: Float64Array,
  bound: (k: number) => number,
  q: number,
): { loss: number; coverage: number } {
  let loss = 0;
  let covered = 0;
  for (let k = 0; k < target.length; k++) {
    const u = target[k]! - bound(k);
    loss += u >= 0 ? q * u : (q - 1) * u;
    if (u <= 0) covered++;
  }
  return { loss: loss / target.length, coverage: covered / target.length };
}

/** A season's label: 10m, 1h, 1d, 1w. */
function label(ms: number): string {
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
const fmt = (v: number) => String(Math.round(v * 10) / 10);
const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
