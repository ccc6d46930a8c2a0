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
  // Points are oldest first: start at the first one inside the lookback (binary search).
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < first) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < points.length; k++) {
    const p = points[k]!;
    if (p.t >= end) break;
    if (!Number.isFinite(p.value)) continue;
    const i = Math.floor((p.t - first) / step);
    if (!(raw[i]! >= p.value)) raw[i] = p.value;
  }
  const lead = raw.findIndex((v) => !Number.isNaN(v));
  if (lead < 0) return { start: end, step, values: [], filled: 0 };
  const values: number[] = [];
  let filled = 0;
  for (let i = lead; i < n; i++) {
    const v = raw[i]!;
    if (Number.isNaN(v)) {
      filled++;
      values.push(values.at(-1)!);
    } else values.push(v);
  }
  return { start: first + lead * step, step, values, filled };
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
