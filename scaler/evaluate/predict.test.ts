/** predict(): the forecast's host count, and when the tolerance's dead band holds it. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import type { ForecastResult } from '../forecast/forecast.ts';
import { simulate } from '../simulate/run.ts';
import type { HistoryPoint } from '../types.ts';
import { moving, predict } from './predict.ts';
import { policyOf } from './test-support.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy = policyOf({ hosts: { max: 100 }, forecast: { enabled: true, seasons: ['10m'] } });

/** One sample per 15 s of `f` plus ± `noise` relative jitter per minute (seeded) over 3 h before `now`. */
function historyOf(f: (t: number) => number, noise: number, now: number, seed = 3): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (let t = now - 3 * HOUR; t <= now; t += 15_000) {
    const jitter = 2 * seededRandom(seed * 7919 + Math.floor(t / MIN))() - 1;
    points.push({ t, value: f(t) * (1 + noise * jitter) });
  }
  return points;
}

/** The count just under the forecast's demand, within the tolerance band of it (or null). */
function justUnder(demand: number): number | null {
  const current = Math.ceil(demand) - 1;
  return demand / current - 1 <= policy.tolerance ? current : null;
}

describe('predict', () => {
  const now = 10 * HOUR + 15_000;

  it('raises the count through the tolerance band while demand ramps beyond its noise', () => {
    // 100 → 220 in flight over 3 h (+0.67 a minute) under ± 10 % noise: each minute's noise is
    // 15 times its rise, but the ramp is far beyond it over the 2-hour backtest window.
    const ramp = (t: number) => 100 + (120 * (t - (now - 3 * HOUR))) / (3 * HOUR);
    const history = { inflight: historyOf(ramp, 0.1, now) };
    const probe = predict(policy, history, 1, now);
    expect(probe.demand).not.toBeNull();
    const f = probe.forecasts.inflight!;
    expect(f.trusted).toBe(true);
    expect(f.trend!.t).toBeGreaterThan(3);
    expect(moving(f, policy.tolerance)).toBe(true);
    const current = justUnder(probe.demand!)!;
    expect(current).not.toBeNull();
    const p = predict(policy, history, current, now);
    expect(p.hosts).toBe(Math.ceil(probe.demand!));
    expect(p.hosts).toBeGreaterThan(current);
  });

  it('holds the count within the band on noise without a trend (noise moves nothing)', () => {
    let checked = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const history = { inflight: historyOf(() => 160, 0.1, now, seed) };
      const probe = predict(policy, history, 1, now);
      const f = probe.forecasts.inflight!;
      expect(f.trusted).toBe(true);
      expect(moving(f, policy.tolerance)).toBe(false);
      const current = justUnder(probe.demand!);
      if (current === null) continue;
      expect(predict(policy, history, current, now).hosts).toBe(current);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('predict in the simulator', () => {
  it.each([
    [80, 0.08, 1],
    [80, 0.05, 2],
    [160, 0.08, 3],
    [40, 0.08, 4],
  ])(
    'makes no scale event on stationary noise %s ± %s (seed %s) after 3 h of history, at quantiles 0.5 and 0.95',
    (around, amplitude, seed) => {
      // Per-second jitter inside the 10 % tolerance: the trend test must not lift the band here.
      const demand = (t: number) =>
        around * (1 + amplitude * (2 * seededRandom(seed * 7919 + Math.floor(t / 1000) * 31)() - 1));
      for (const quantile of [0.5, 0.95]) {
        const run = simulate({
          policy: { ...policy, forecast: { ...policy.forecast, quantile } },
          demand,
          durationMs: 2 * HOUR,
          priorHistoryMs: 3 * HOUR,
          initialHosts: around / 8,
        });
        const trusted = run.records.filter((r) => r.forecasts?.inflight?.trusted).length;
        expect(trusted).toBeGreaterThan(run.records.length / 2);
        expect(run.figures.scaleEvents).toBe(0);
      }
    },
  );
});

describe('moving', () => {
  const result = (trend: ForecastResult['trend'], upper: number | null = 100) =>
    ({ upper, trend }) as ForecastResult;

  it('needs both a significant trend and one that moves the level beyond the band over the window', () => {
    // 0.1 a step over 120 steps moves the level by 12, beyond the band of 10 % of 100.
    expect(moving(result({ slope: 0.1, t: 4, steps: 120 }), 0.1)).toBe(true);
    expect(moving(result({ slope: -0.1, t: -4, steps: 120 }), 0.1)).toBe(true);
    // Significant but small (a spurious slope on long noise): the band absorbs it.
    expect(moving(result({ slope: 0.05, t: 4, steps: 120 }), 0.1)).toBe(false);
    // Large but not significant.
    expect(moving(result({ slope: 0.5, t: 2, steps: 120 }), 0.1)).toBe(false);
    expect(moving(result(null), 0.1)).toBe(false);
    expect(moving(result({ slope: 1, t: 9, steps: 120 }, null), 0.1)).toBe(false);
  });
});
