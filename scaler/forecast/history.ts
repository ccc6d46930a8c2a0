/** One sample of a metric's history: its value at `t` (ms since the epoch). */
export interface HistoryPoint {
  t: number;
  value: number;
}

/** A history resampled to fixed steps: `values[i]` covers [start + i·step, start + (i + 1)·step). */
export interface Buckets {
  start: number;
  step: number;
  values: number[];
  /** Steps with no sample, filled with the previous step's value. */
  filled: number;
}

/**
 * Resamples a history (oldest first) into the complete steps before `now` within `lookback` (pure). Each step
 * holds the **maximum** of its samples, not the mean: capacity must cover the peak of a step, and
 * Google's Autopilot recommends from per-window peaks for the same reason (Rzadca et al., "Autopilot:
 * workload autoscaling at Google", EuroSys 2020). Steps are aligned to multiples of `step` so every
 * scaler buckets alike; the step `now` falls in is still filling and is left out. A step with no
 * sample repeats the previous one (leading empty steps are dropped); non-finite values are ignored.
 */
export function toBuckets(
  points: readonly HistoryPoint[],
  step: number,
  now: number,
  lookback: number,
): Buckets {
  const end = Math.floor(now / step) * step;
  const first = Math.floor((now - lookback) / step) * step;
  const n = Math.max(0, Math.round((end - first) / step));
  const raw = new Float64Array(n).fill(Number.NaN);
  for (let k = lowerBound(points, first); k < points.length; k++) {
    const p = points[k]!;
    if (p.t >= end) break;
    if (!Number.isFinite(p.value)) continue;
    const i = Math.floor((p.t - first) / step);
    if (!(raw[i]! >= p.value)) raw[i] = p.value;
  }
  return fill(raw, first, end, step);
}

/** Steps' peaks (NaN: no sample) from `first` to `end` as Buckets: leading gaps dropped, others filled. */
function fill(raw: Float64Array, first: number, end: number, step: number): Buckets {
  const lead = raw.findIndex((v) => !Number.isNaN(v));
  if (lead < 0) return { start: end, step, values: [], filled: 0 };
  const values = new Array<number>(raw.length - lead);
  let filled = 0;
  for (let i = lead; i < raw.length; i++) {
    const v = raw[i]!;
    if (Number.isNaN(v)) {
      filled++;
      values[i - lead] = values[i - lead - 1]!;
    } else values[i - lead] = v;
  }
  return { start: first + lead * step, step, values, filled };
}

/** Each step's peak of an append-only history, brought up to date as points arrive (see bucketsOf). */
interface Peaks {
  step: number;
  /** Start of the step of peaks[0]. */
  origin: number;
  /** Points already read. */
  read: number;
  /** The newest point read (to notice a history that is not append-only). */
  last: HistoryPoint | undefined;
  peaks: number[];
}

const PEAKS = new WeakMap<readonly HistoryPoint[], Peaks>();

/**
 * toBuckets for a history that grows at its end and is trimmed at its front (a scaler's in-memory
 * history, scaler/loop/history.ts): the same result, but each point is read once over the history's
 * life instead of once per call. A history trimmed or reordered (the newest point read is no longer
 * where it was) is read again in full; a point replaced in place is not noticed (not append-only).
 */
export function bucketsOf(
  points: readonly HistoryPoint[],
  step: number,
  now: number,
  lookback: number,
): Buckets {
  let memo = PEAKS.get(points);
  const intact =
    memo !== undefined &&
    memo.step === step &&
    memo.read <= points.length &&
    (memo.read === 0 || points[memo.read - 1] === memo.last);
  if (!memo || !intact) {
    const origin = points.length > 0 ? Math.floor(points[0]!.t / step) * step : 0;
    memo = { step, origin, read: 0, last: undefined, peaks: [] };
    PEAKS.set(points, memo);
  }
  for (; memo.read < points.length; memo.read++) {
    const p = points[memo.read]!;
    if (p.t < memo.origin || (memo.last !== undefined && p.t < memo.last.t)) {
      PEAKS.delete(points);
      return toBuckets(points, step, now, lookback);
    }
    memo.last = p;
    if (!Number.isFinite(p.value)) continue;
    const i = Math.floor((p.t - memo.origin) / step);
    while (memo.peaks.length <= i) memo.peaks.push(Number.NaN);
    if (!(memo.peaks[i]! >= p.value)) memo.peaks[i] = p.value;
  }
  const end = Math.floor(now / step) * step;
  const first = Math.floor((now - lookback) / step) * step;
  const n = Math.max(0, Math.round((end - first) / step));
  const raw = new Float64Array(n).fill(Number.NaN);
  const offset = Math.round((first - memo.origin) / step);
  for (let i = Math.max(0, -offset); i < n && offset + i < memo.peaks.length; i++) {
    raw[i] = memo.peaks[offset + i]!;
  }
  return fill(raw, first, end, step);
}

/**
 * How much a step's peak grew after the same position within it, over the complete steps of the
 * `window` ms before the step under way (pure): for each step holding two samples or more, one of
 * them at or before `offset` ms into it, its peak minus the peak of those. What the step under way
 * may still add to its peak so far; all zeros for demand that is flat within a step. A step with a
 * single sample (a range query's peak per step) says nothing about within the step and is skipped.
 * Sorted ascending.
 */
export function restOfStep(
  points: readonly HistoryPoint[],
  step: number,
  now: number,
  window: number,
): number[] {
  const end = Math.floor(now / step) * step;
  const offset = now - end;
  const from = end - Math.ceil(window / step) * step;
  let k = lowerBound(points, from);
  const rests: number[] = [];
  for (let start = from; start < end; start += step) {
    let before = Number.NEGATIVE_INFINITY;
    let all = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (; k < points.length && points[k]!.t < start + step; k++) {
      const p = points[k]!;
      if (p.t < start || !Number.isFinite(p.value)) continue;
      all = Math.max(all, p.value);
      count++;
      if (p.t <= start + offset) before = Math.max(before, p.value);
    }
    if (count > 1 && before > Number.NEGATIVE_INFINITY) rests.push(all - before);
  }
  return rests.sort((a, b) => a - b);
}

/** Index of the first point at or after `t` in an oldest-first history (binary search). */
function lowerBound(points: readonly HistoryPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
