/**
 * A perfect-foresight reference controller for the simulator: not a policy, a bound. It knows the
 * demand series ahead of time and asks, at every tick, for the hosts the peak demand of the next
 * `horizonMs` needs (ceil(demand ÷ target), at 1 s resolution), with no rate limit, window or
 * budget; only `hosts.min`/`hosts.max` clamp it.
 *
 * Why the horizon is the whole story: a host started at a tick serves from boot time later, and the
 * next tick is one interval after this one, so a horizon of boot + interval is the shortest that
 * never leaves demand unserved (every second is covered by the last tick that could start hosts
 * for it). It is also the drain/reboot break-even: a host drained now and needed again at s costs
 * its drain plus a boot started up to one interval early (≈ boot + interval host·s), against
 * holding it idle until s; so it is dropped exactly when no second of the next boot + interval
 * needs it. Shorter horizons trade unserved seconds for fewer host·s (the oracle's frontier);
 * longer ones only hold more.
 */
export function oracleController(
  demand: (t: number) => number,
  target: number,
  horizonMs: number,
  bounds: { min: number; max: number },
): (t: number) => number {
  return (t) => {
    let need = 0;
    for (let s = t; s <= t + horizonMs; s += 1_000) {
      need = Math.max(need, Math.ceil(Math.max(0, demand(s)) / target - 1e-9));
    }
    return Math.min(bounds.max, Math.max(bounds.min, need));
  };
}

/**
 * The other bound, between the oracle and a forecaster: it knows the expected demand (the curve
 * without its noise) ahead, and the noise's distribution, but not the noise itself. At each tick it
 * asks for the hosts the peak of `expected × factor` over the look-ahead needs, where `factor` is a
 * quantile of demand ÷ expected (noiseFactor). What it leaves on the table against the oracle is
 * the price of noise no forecaster can predict; what a forecaster leaves against it is its own.
 */
export function expectedController(
  expected: (t: number) => number,
  factor: number,
  target: number,
  horizonMs: number,
  bounds: { min: number; max: number },
): (t: number) => number {
  return oracleController((t) => expected(t) * factor, target, horizonMs, bounds);
}

/**
 * The noise-blind bound with the present in view: as expectedController, but the demand of the
 * minute under way is read, not guessed. Noise that holds for a whole step (`stepMs`: the seasonal
 * scenarios draw it per minute, the Azure sample is a value per minute) is known for the rest of
 * that step once the step has begun, and any scaler that reads its metric knows it too; so for the
 * look-ahead's seconds in the current step it provisions expected × the step's own ratio
 * demand(t) ÷ expected(t), and expected × `factor` after it. Without this, a forecaster that reads
 * the present can beat the "bound".
 */
export function presentController(
  demand: (t: number) => number,
  expected: (t: number) => number,
  factor: number,
  target: number,
  horizonMs: number,
  bounds: { min: number; max: number },
  stepMs = 60_000,
): (t: number) => number {
  return (t) => {
    const e = expected(t);
    const ratio = e > 0 ? Math.max(0, demand(t)) / e : factor;
    const end = (Math.floor(t / stepMs) + 1) * stepMs;
    return oracleController((s) => expected(s) * (s < end ? ratio : factor), target, horizonMs, bounds)(t);
  };
}

/**
 * The `q`-quantile of demand ÷ expected over [0, durationMs) sampled every `stepMs` (seconds where
 * the expected demand is 0 are left out): the factor expectedController scales by.
 */
export function noiseFactor(
  demand: (t: number) => number,
  expected: (t: number) => number,
  durationMs: number,
  stepMs: number,
  q: number,
): number {
  const ratios: number[] = [];
  for (let t = 0; t < durationMs; t += stepMs) {
    const e = expected(t);
    if (e > 0) ratios.push(Math.max(0, demand(t)) / e);
  }
  if (ratios.length === 0) return 1;
  ratios.sort((a, b) => a - b);
  return ratios[Math.min(ratios.length - 1, Math.max(0, Math.ceil(ratios.length * q) - 1))]!;
}

/**
 * Classical additive decomposition (Hyndman & Athanasopoulos, FPP3 §3.4) of a series of fixed
 * steps: the trend is a centred moving average over one `period` (shorter at the ends), the season
 * the mean of the detrended values at each phase of the period (centred on 0); their sum is the
 * expected value of each step, the rest is noise. For a trace with no known noise-free curve.
 */
export function decompose(values: readonly number[], period: number, trendWindow = period): number[] {
  const trend = centred(values, period);
  const sums = new Array<number>(period).fill(0);
  const counts = new Array<number>(period).fill(0);
  values.forEach((v, i) => {
    sums[i % period]! += v - trend[i]!;
    counts[i % period]!++;
  });
  const season = sums.map((s, k) => (counts[k]! > 0 ? s / counts[k]! : 0));
  const centre = season.reduce((a, b) => a + b, 0) / period;
  const seasonOf = (i: number) => season[i % period]! - centre;
  if (trendWindow === period) return values.map((_, i) => trend[i]! + seasonOf(i));
  // A shorter trend, fitted to the deseasonalised values (as STL's inner loop does).
  const local = centred(
    values.map((v, i) => v - seasonOf(i)),
    trendWindow,
  );
  return values.map((_, i) => local[i]! + seasonOf(i));
}

/** Centred moving average over `window` steps (shorter at the ends). */
function centred(values: readonly number[], window: number): number[] {
  const n = values.length;
  const half = Math.floor(window / 2);
  return values.map((_, i) => {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) {
      sum += values[j]!;
      count++;
    }
    return sum / count;
  });
}
