import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { trendOf } from './trend.ts';

/** `n` values of `f(i)` plus uniform noise of ± `amplitude` (seeded). */
function series(n: number, f: (i: number) => number, amplitude: number, seed = 7): number[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => f(i) + amplitude * (2 * rand() - 1));
}

describe('trendOf', () => {
  it('finds the slope of an exact line, infinitely many standard errors from flat', () => {
    const fit = trendOf([3, 5, 7, 9, 11], 0)!;
    expect(fit.slope).toBeCloseTo(2, 9);
    expect(fit.t).toBe(Number.POSITIVE_INFINITY);
    expect(fit.steps).toBe(5);
    expect(trendOf([4, 4, 4], 0)).toEqual({ slope: 0, t: 0, steps: 3 });
  });

  it('fits only the values from `from` on, and needs three of them', () => {
    expect(trendOf([100, 0, 1, 2], 1)!.slope).toBeCloseTo(1, 9);
    expect(trendOf([1, 2], 0)).toBeNull();
    expect(trendOf([5, 1, 2], 1)).toBeNull();
  });

  it('tells a slow ramp under large noise from the noise alone', () => {
    // +0.3 per step under ± 15 of noise: each step's noise is 50 times its rise.
    const ramp = trendOf(
      series(120, (i) => 100 + 0.3 * i, 15),
      0,
    )!;
    expect(ramp.slope).toBeGreaterThan(0.2);
    expect(ramp.t).toBeGreaterThan(5);
    for (let seed = 1; seed <= 20; seed++) {
      const flat = trendOf(
        series(120, () => 100, 15, seed),
        0,
      )!;
      expect(Math.abs(flat.t)).toBeLessThan(3.5);
    }
  });

  it('gives a falling ramp a negative t', () => {
    expect(
      trendOf(
        series(60, (i) => 200 - i, 5),
        0,
      )!.t,
    ).toBeLessThan(-10);
  });
});
