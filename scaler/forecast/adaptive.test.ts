import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import {
  type AdaptiveQuantile,
  adaptQuantile,
  QUANTILE_MAX,
  QUANTILE_MIN,
  quantileInUse,
  realisedMissRate,
  startQuantile,
} from './adaptive.ts';

/**
 * A scaler in miniature over `n` ticks of `demand(i)`: capacity is the point forecast (the level)
 * plus the `q`-quantile of the last 200 errors, rounded up to whole hosts of 8 (as hosts come); a
 * miss is demand above it. The quantile is fixed (`fixed`) or adapted toward `missRate`.
 */
function run(
  n: number,
  level: number,
  noise: () => number,
  missRate: number,
  fixed?: number,
): { rate: number; state: AdaptiveQuantile } {
  let state = startQuantile(0.8);
  const errors: number[] = [];
  let misses = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const demand = level + noise();
    if (errors.length >= 50) {
      const q = fixed ?? quantileInUse(state);
      const sorted = [...errors].sort((a, b) => a - b);
      const margin = sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length + 1) * q) - 1)]!;
      const capacity = Math.ceil((level + margin) / 8) * 8;
      const miss = demand > capacity;
      counted++;
      if (miss) misses++;
      state = adaptQuantile(state, miss, missRate, 0.01);
    }
    errors.push(demand - level);
    if (errors.length > 200) errors.shift();
  }
  return { rate: misses / counted, state };
}

describe('adaptive quantile', () => {
  const rand = seededRandom(11);
  // Small noise: whole hosts round the bound up a lot, so a quantile covers far more than itself.
  const calm = () => 12 * (rand() - 0.5);
  // Large, skewed noise (exponential bursts): whole hosts matter little.
  const bursty = () => -20 * Math.log(1 - rand()) - 20;

  it('keeps the miss rate near its target on two differently noisy series', () => {
    const a = run(4000, 100, calm, 0.1);
    const b = run(4000, 100, bursty, 0.1);
    expect(Math.abs(a.rate - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(b.rate - 0.1)).toBeLessThan(0.02);
    // It found a different quantile for each: no single fixed one serves both.
    expect(Math.abs(a.state.quantile - b.state.quantile)).toBeGreaterThan(0.03);
    expect(a.state.ticks).toBe(3950);
    expect(realisedMissRate(a.state)).toBeCloseTo(a.rate, 9);
  });

  it('where a fixed quantile of 0.9 misses the same target on one of them', () => {
    const a = run(4000, 100, calm, 0.1, 0.9);
    const b = run(4000, 100, bursty, 0.1, 0.9);
    expect(Math.max(Math.abs(a.rate - 0.1), Math.abs(b.rate - 0.1))).toBeGreaterThan(0.03);
  });

  it('moves up by gain × (1 − target) on a miss, down by gain × target otherwise, within bounds', () => {
    const s = startQuantile(0.8);
    expect(realisedMissRate(s)).toBeNull();
    expect(adaptQuantile(s, true, 0.1, 0.01).quantile).toBeCloseTo(0.809, 9);
    expect(adaptQuantile(s, false, 0.1, 0.01)).toEqual({ quantile: 0.799, ticks: 1, misses: 0 });
    expect(adaptQuantile(startQuantile(0.995), true, 0.1, 0.1).quantile).toBe(QUANTILE_MAX);
    expect(adaptQuantile(startQuantile(0.2), false, 0.1, 0.1).quantile).toBe(QUANTILE_MIN);
    expect(quantileInUse({ quantile: 0.8149, ticks: 0, misses: 0 })).toBe(0.81);
  });
});
