/** Shock detection and spike removal for the forecaster (pure; see forecast.ts). */

/**
 * Shocks: a level shift, a spike or an outage the history has never shown. The step-to-step changes
 * of the backtest window but its last `recent` steps give a band: their median ± the largest
 * deviation among them, and at least `floor`. A change in the last `recent` steps outside the band
 * is a shock ("has the history ever moved like this?"), and the forecast stays untrusted until it
 * has left them (callers pass the scale-down window, so after a step change the reactive window
 * decides, as without a forecast). Model-free on purpose: a model fitted to the history cannot
 * judge its own blind spots. Periodic bursts are in the history, so they are not shocks.
 */
export function changeBand(
  a: readonly number[],
  first: number,
  recent: number,
  floor: number,
  minSamples: number,
): { median: number; bound: number; shock: number | null } | null {
  const changes: number[] = [];
  for (let j = Math.max(1, first); j < a.length; j++) changes.push(a[j]! - a[j - 1]!);
  const older = changes.slice(0, Math.max(0, changes.length - recent)).sort((x, y) => x - y);
  if (older.length < minSamples) return null;
  const median = older[older.length >> 1]!;
  const bound = Math.max(Math.abs(older[0]! - median), Math.abs(older.at(-1)! - median), floor);
  const shock = changes.slice(older.length).find((c) => Math.abs(c - median) > bound) ?? null;
  return { median, bound, shock };
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
