/** Shock detection and spike removal for the forecaster (pure; see forecast.ts). */

/**
 * Shocks: a level shift, a spike or an outage the history has never shown. The step-to-step changes
 * of the backtest window but its last `recent` steps give a band: their median ± the largest
 * deviation among them, and at least `floor`. A change in the last `recent` steps outside the band
 * is a shock ("has the history ever moved like this?"), and the forecast stays untrusted until it
 * has left them (callers pass the scale-down window, so after a step change the reactive window
 * decides, as without a forecast) or until its forecasts made since the newest shock have been
 * scored within the error bound (errorSince): a clean level shift, which the models follow within
 * a few steps, gets its trust back early; one they keep missing stays with the reactive policy. Model-free on purpose: a model fitted to the history cannot
 * judge its own blind spots. Periodic bursts are in the history, so they are not shocks.
 */
export function changeBand(
  a: readonly number[],
  first: number,
  recent: number,
  floor: number,
  minSamples: number,
): { median: number; bound: number; shock: number | null; shockAt: number | null } | null {
  const start = Math.max(1, first);
  const changes: number[] = [];
  for (let j = start; j < a.length; j++) changes.push(a[j]! - a[j - 1]!);
  const older = changes.slice(0, Math.max(0, changes.length - recent)).sort((x, y) => x - y);
  if (older.length < minSamples) return null;
  const median = older[older.length >> 1]!;
  const bound = Math.max(Math.abs(older[0]! - median), Math.abs(older.at(-1)! - median), floor);
  // The newest shock: trust returns only once the forecast has been scored after the last of them.
  let shockAt: number | null = null;
  for (let k = older.length; k < changes.length; k++) {
    if (Math.abs(changes[k]! - median) > bound) shockAt = start + k;
  }
  const shock = shockAt === null ? null : a[shockAt]! - a[shockAt - 1]!;
  return { median, bound, shock, shockAt };
}

/**
 * The relative error of forecasts made at or after a shock (origin `shockAt` on, the first step
 * at the new level), against what really happened: mean |target − forecast| ÷ mean target over
 * the origins whose targets are known. `forecasts[k]` and `targets[k]` belong to origin `first + k`.
 * With fewer than `minSteps` such origins it is null: not yet measured.
 */
export function errorSince(
  forecasts: ArrayLike<number>,
  targets: ArrayLike<number>,
  first: number,
  shockAt: number,
  minSteps: number,
): { error: number; steps: number } | null {
  let abs = 0;
  let sum = 0;
  let steps = 0;
  for (let k = Math.max(0, shockAt - first); k < targets.length; k++) {
    abs += Math.abs(targets[k]! - forecasts[k]!);
    sum += targets[k]!;
    steps++;
  }
  if (steps < minSteps) return null;
  return { error: sum > 0 ? abs / sum : abs > 0 ? Number.POSITIVE_INFINITY : 0, steps };
}

/**
 * The history with its spikes flattened: a change outside the band that returns to within the
 * band of the level before it within `recent` steps is replaced by that level. A shift that stays
 * is kept: it is the new level.
 */
export function despike(
  a: readonly number[],
  band: { median: number; bound: number },
  recent: number,
): number[] {
  const out = [...a];
  for (let j = 1; j < out.length; j++) {
    const before = out[j - 1]!;
    if (Math.abs(a[j]! - before - band.median) <= band.bound) continue;
    let back = -1;
    for (let k = j + 1; k <= Math.min(a.length - 1, j + recent) && back < 0; k++) {
      if (Math.abs(a[k]! - before) <= band.bound) back = k;
    }
    if (back < 0) continue;
    for (let k = j; k < back; k++) out[k] = before;
    j = back;
  }
  return out;
}
