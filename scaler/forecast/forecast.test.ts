import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { slotNoise } from '../simulate/draw.ts';
import { type ForecastSettings, forecastPeak } from './forecast.ts';
import { bucketsOf, type HistoryPoint, restOfStep, toBuckets } from './history.ts';

const MIN = 60_000;
const SETTINGS: ForecastSettings = {
  step: MIN,
  lookback: 24 * 60 * MIN,
  seasons: [10 * MIN, 60 * MIN],
  quantile: 0.9,
  maxError: 0.35,
  errorWindow: 60 * MIN,
  minHistory: 30 * MIN,
};

/** One point per 15 s from `from` to `to` (ms) of `f(t)`. */
function history(f: (t: number) => number, from: number, to: number): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (let t = from; t < to; t += 15_000) out.push({ t, value: f(t) });
  return out;
}

describe('restOfStep', () => {
  it('measures what each step added to its peak after the same position, skipping one-sample steps', () => {
    const points = [
      // a range query's peak per step: one sample each, nothing known within the step
      { t: 0, value: 50 },
      { t: MIN, value: 60 },
      // per-tick samples: 10 at 0 s and 15 s, then 30; flat 20; 40 then 35
      ...[10, 10, 30, 30].map((value, i) => ({ t: 2 * MIN + i * 15_000, value })),
      ...[20, 20, 20, 20].map((value, i) => ({ t: 3 * MIN + i * 15_000, value })),
      ...[40, 35, 35, 35].map((value, i) => ({ t: 4 * MIN + i * 15_000, value })),
      { t: 5 * MIN, value: 1 }, // the step under way
    ];
    expect(restOfStep(points, MIN, 5 * MIN + 15_000, 10 * MIN)).toEqual([0, 0, 20]);
    expect(restOfStep(points, MIN, 5 * MIN + 45_000, 10 * MIN)).toEqual([0, 0, 0]);
  });
});

describe('toBuckets', () => {
  it('keeps the peak of each step, fills a gap with the step before, and leaves the current step out', () => {
    const points = [
      { t: 0, value: 3 },
      { t: 30_000, value: 7 },
      { t: 60_000, value: 2 },
      // 120–180 s: no sample
      { t: 185_000, value: 5 },
      { t: 245_000, value: 99 }, // the step `now` is in
    ];
    const b = toBuckets(points, MIN, 250_000, 10 * MIN);
    expect(b).toEqual({ start: 0, step: MIN, values: [7, 2, 2, 5], filled: 1 });
  });

  it('ignores non-finite values and points outside the lookback', () => {
    const b = toBuckets(
      [
        { t: 0, value: 50 },
        { t: 120_000, value: Number.NaN },
        { t: 130_000, value: 4 },
      ],
      MIN,
      200_000,
      2 * MIN,
    );
    expect(b.values).toEqual([4]);
  });
});

describe('bucketsOf', () => {
  it('answers as toBuckets while the history grows and is trimmed at its front, with gaps and NaN', () => {
    const random = seededRandom(7);
    const points: HistoryPoint[] = [];
    let t = -3 * MIN;
    for (let k = 0; k < 400; k++) {
      t += Math.floor(random() * 40_000); // several per step, or none for a while
      const value = random() < 0.05 ? Number.NaN : Math.round(random() * 100);
      points.push({ t, value });
      const now = t + Math.floor(random() * 90_000);
      expect(bucketsOf(points, MIN, now, 30 * MIN)).toEqual(toBuckets(points, MIN, now, 30 * MIN));
    }
    // Trimmed at the front (as the scaler's history is, in the same array): read again in full.
    points.splice(0, 150);
    points.push({ t: t + 1, value: 1000 });
    expect(bucketsOf(points, MIN, t + 1, 400 * MIN)).toEqual(toBuckets(points, MIN, t + 1, 400 * MIN));
  });
});

describe('forecastPeak', () => {
  it('has no forecast, and is not trusted, without enough history', () => {
    const f = forecastPeak(
      SETTINGS,
      history(() => 80, 0, 20 * MIN),
      20 * MIN,
      60_000,
    );
    expect(f).toMatchObject({ trusted: false, reason: 'ForecastNoHistory', upper: null, model: null });
    expect(f.detail).toContain('need 30 min');
  });

  it('sees a 10-minute timer burst coming and bounds its peak before it starts', () => {
    // 40 in flight, 120 during the first minute of every 10 (a timer-triggered batch).
    const demand = (t: number) => (Math.floor(t / MIN) % 10 === 0 ? 120 : 40);
    const now = 3 * 60 * MIN - 45_000; // 45 s before a burst
    const f = forecastPeak(SETTINGS, history(demand, 0, now), now, 60_000);
    expect(f.trusted).toBe(true);
    expect(f.model).toMatch(/^seasonal:(10m|1h)$/);
    expect(f.upper!).toBeGreaterThanOrEqual(110);
    // Between bursts it expects the base level, not the last burst.
    const calm = 3 * 60 * MIN + 4 * MIN;
    const g = forecastPeak(SETTINGS, history(demand, 0, calm), calm, 60_000);
    expect(g.upper!).toBeLessThan(60);
  });

  it('follows a ramp above its last value (trend)', () => {
    const demand = (t: number) => 20 + t / 15_000; // +4 per minute
    const now = 90 * MIN;
    const f = forecastPeak(SETTINGS, history(demand, 0, now), now, 60_000);
    expect(f.trusted).toBe(true);
    expect(f.upper!).toBeGreaterThanOrEqual(demand(now));
  });

  it('forecasts a rise it sees through a lagging model’s error, not capped at what the window showed', () => {
    const demand = (t: number) => 20 + t / 15_000; // +4 per minute
    const now = 90 * MIN;
    const f = forecastPeak(SETTINGS, history(demand, 0, now), now, 60_000);
    expect(f.upper!).toBeGreaterThan(f.ceiling!);
    expect(f.detail).not.toContain('capped');
  });

  // Stationary noise near a tolerance edge (the noise row of bench:scaler): 80 ± 8 % per second,
  // read every 15 s. Its peak never passes 86.4.
  const noisy = (seed: number) => {
    const rand = seededRandom(seed);
    const values = new Map<number, number>();
    return (t: number) => {
      const s = Math.floor(t / 1000);
      if (!values.has(s)) values.set(s, 80 * (1 + 0.08 * (2 * rand() - 1)));
      return values.get(s)!;
    };
  };

  it.each([0.5, 0.8, 0.9, 0.95])(
    'puts no bound above the window’s highest peak on stationary noise (quantile %s)',
    (quantile) => {
      const demand = noisy(11);
      const settings = { ...SETTINGS, quantile };
      const start = 3 * 60 * MIN;
      const points = history(demand, 0, start);
      let capped = 0;
      for (let now = start; now < start + 60 * MIN; now += 15_000) {
        points.push({ t: now, value: demand(now) });
        const f = forecastPeak(settings, points, now, 60_000);
        expect(f.trusted).toBe(true);
        const seen = Math.max(...points.filter((p) => p.t > now - 61 * MIN).map((p) => p.value));
        // Neither the estimate of the step under way nor the bound goes past what was observed.
        expect(f.point!).toBeLessThanOrEqual(seen + 1e-9);
        expect(f.upper!).toBeLessThanOrEqual(seen + 1e-3);
        if (f.detail.includes('capped at')) capped++;
      }
      // The cap is what holds the bound there at a high quantile (the margin alone would not).
      if (quantile >= 0.9) expect(capped).toBeGreaterThan(0);
    },
  );

  it('takes the step under way as the newest value when steps are flat, and forecasts the steps after it', () => {
    // A new level each minute, flat within it (as the Azure sample per minute): 100 now, 40 before.
    const demand = (t: number) => (t >= 2 * 60 * MIN ? 100 : 40 + 5 * (Math.floor(t / MIN) % 2));
    const now = 2 * 60 * MIN + 15_000;
    const f = forecastPeak(SETTINGS, history(demand, 0, now + 1), now, 60_000);
    expect(f.current).toBe(100);
    expect(f.horizonSteps).toBe(1);
    expect(f.upper!).toBeGreaterThanOrEqual(100);
    expect(f.detail).toContain('the step under way: 100 so far, up to 100');
  });

  it('is not trusted when its error exceeds maxError', () => {
    const rand = seededRandom(7);
    const values = new Map<number, number>();
    const demand = (t: number) => {
      const m = Math.floor(t / MIN);
      if (!values.has(m)) values.set(m, rand() < 0.8 ? 5 : 200);
      return values.get(m)!;
    };
    const now = 2 * 60 * MIN;
    const f = forecastPeak(SETTINGS, history(demand, 0, now), now, 60_000);
    expect(f.reason).toBe('ForecastUntrusted');
    expect(f.trusted).toBe(false);
    expect(f.error!).toBeGreaterThan(SETTINGS.maxError);
    expect(f.detail).toContain('not trusted');
  });

  it('covers about `quantile` of the backtest and says so', () => {
    const rand = seededRandom(3);
    const values = new Map<number, number>();
    const demand = (t: number) => {
      const m = Math.floor(t / MIN);
      if (!values.has(m)) values.set(m, 100 + 20 * (rand() - 0.5));
      return values.get(m)!;
    };
    const now = 3 * 60 * MIN;
    const f = forecastPeak(SETTINGS, history(demand, 0, now), now, 60_000);
    expect(f.trusted).toBe(true);
    expect(f.coverage!).toBeGreaterThanOrEqual(0.85);
    expect(f.margin!).toBeGreaterThan(0);
    expect(f.samples).toBe(60);
  });

  it('gives the same answer from its cache as from a fresh history', () => {
    const demand = (t: number) => 50 + 30 * Math.sin((2 * Math.PI * t) / (60 * MIN));
    const points = history(demand, 0, 4 * 60 * MIN);
    const now = 4 * 60 * MIN + 20_000;
    const first = forecastPeak(SETTINGS, points, now, 60_000);
    expect(forecastPeak(SETTINGS, points, now, 60_000)).toBe(first);
    expect(forecastPeak(SETTINGS, [...points], now, 60_000)).toEqual(first);
    // A new complete step is a new question.
    points.push({ t: now, value: 500 });
    const later = forecastPeak(SETTINGS, points, now + MIN, 60_000);
    expect(later.upper).not.toBe(first.upper);
  });

  describe('after a shock (a 5-minute quarantine)', () => {
    const shift = 120 * MIN;
    const jitter = slotNoise(5, 15_000);
    const at = (demand: (t: number) => number, k: number) => {
      const now = shift + k * MIN + 15_000; // k complete steps after the one the shock began
      return forecastPeak(SETTINGS, history(demand, 0, now + 1), now, 60_000, 5 * MIN);
    };

    it('trusts the forecast again once 3 forecasts since a clean level shift scored within maxError', () => {
      const demand = (t: number) => (t < shift ? 40 : 100) * (1 + 0.03 * jitter(t));
      for (const k of [1, 2, 3]) {
        const f = at(demand, k);
        expect(f.trusted).toBe(false);
        expect(f.afterShock).toBeNull();
        expect(f.detail).toContain('fewer than 3 forecasts scored since: not trusted');
      }
      // Before the quarantine's end (k = 6, when the shift leaves the last 5 steps).
      for (const k of [4, 5]) {
        const f = at(demand, k);
        expect(f.trusted).toBe(true);
        expect(f.afterShock!.steps).toBe(k - 1);
        expect(f.afterShock!.error).toBeLessThan(0.05);
        expect(f.upper).toBeGreaterThan(100);
        expect(f.detail).toMatch(/error [\d.]+ % over the \d forecasts since: trusted$/);
      }
    });

    it('keeps it withheld while the forecasts since the shock miss by more than maxError', () => {
      // 100 ± 3 %, then down to 10 and swinging 10 ↔ 40 each minute: each swing is within the band
      // of changes (not a new shock), but no model forecasts it within 35 %.
      const demand = (t: number) =>
        t < shift ? 100 * (1 + 0.03 * jitter(t)) : Math.floor(t / MIN) % 2 === 0 ? 10 : 40;
      for (const k of [4, 5]) {
        const f = at(demand, k);
        expect(f.error).toBeLessThan(0.35); // the 60-step backtest alone would trust it
        expect(f.afterShock!.steps).toBe(k - 1);
        expect(f.afterShock!.error).toBeGreaterThan(0.35);
        expect(f.trusted).toBe(false);
        expect(f.detail).toMatch(/forecasts since: not trusted$/);
      }
    });
  });
});
