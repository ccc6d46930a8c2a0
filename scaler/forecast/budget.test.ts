import { describe, expect, it } from 'vitest';
import { QUANTILE_MAX, QUANTILE_MIN } from './adaptive.ts';
import {
  type BudgetQuantile,
  budgetQuantile,
  budgetQuantileInUse,
  startBudget,
  stepBudget,
} from './budget.ts';

const settings = { start: 0.8, gain: 0.01, margin: 0.05 };

function steps(state: BudgetQuantile, ticks: [boolean, boolean][]): BudgetQuantile {
  return ticks.reduce((s, [miss, shadowMiss]) => stepBudget(s, miss, shadowMiss, settings), state);
}

describe('the reactive budget quantile', () => {
  it('stays at its start while neither fleet misses', () => {
    const s = steps(
      startBudget(0.8),
      Array.from({ length: 50 }, () => [false, false]),
    );
    expect(s).toEqual({ quantile: 0.8, ticks: 50, misses: 0, shadowMisses: 0 });
  });

  it('goes up by gain per own miss and down by gain × (1 − margin) per shadow miss', () => {
    const up = stepBudget(startBudget(0.8), true, false, settings);
    expect(up.quantile).toBeCloseTo(0.81, 12);
    const down = stepBudget(startBudget(0.8), false, true, settings);
    expect(down.quantile).toBeCloseTo(0.8 - 0.0095, 12);
    // A tick both miss costs the forecast the margin only.
    const both = stepBudget(startBudget(0.8), true, true, settings);
    expect(both.quantile).toBeCloseTo(0.8005, 12);
  });

  it('is above its start exactly while the forecast missed more than the shadow less the margin', () => {
    // 20 shadow misses give a credit of 19 own misses: the 20th puts the quantile above its start.
    let s = steps(
      startBudget(0.8),
      Array.from({ length: 20 }, () => [false, true]),
    );
    s = steps(
      s,
      Array.from({ length: 19 }, () => [true, false]),
    );
    expect(s.quantile).toBeLessThanOrEqual(0.8 + 1e-12);
    s = stepBudget(s, true, false, settings);
    expect(s.quantile).toBeGreaterThan(0.8);
  });

  it('stays within 0.5–0.99 but keeps the whole credit and debt in its tallies', () => {
    const credit = steps(
      startBudget(0.8),
      Array.from({ length: 200 }, () => [false, true]),
    );
    expect(credit.quantile).toBe(QUANTILE_MIN);
    // 100 own misses spend half the credit (190): still at the floor, not 0.5 + 100 × 0.01.
    const spent = steps(
      credit,
      Array.from({ length: 100 }, () => [true, false]),
    );
    expect(spent.quantile).toBe(QUANTILE_MIN);
    expect(budgetQuantile(spent.misses, spent.shadowMisses, settings)).toBe(QUANTILE_MIN);
    const debt = steps(
      startBudget(0.8),
      Array.from({ length: 30 }, () => [true, false]),
    );
    expect(debt.quantile).toBe(QUANTILE_MAX);
    const repaid = steps(
      debt,
      Array.from({ length: 20 }, () => [false, true]),
    );
    // 30 − 0.95 × 20 = 11 misses of debt left: 0.91, not 0.99 − 0.19.
    expect(repaid.quantile).toBeCloseTo(0.91, 12);
  });

  it('rounds the quantile in use to 0.01', () => {
    expect(budgetQuantileInUse({ quantile: 0.7949, ticks: 1, misses: 0, shadowMisses: 1 })).toBe(0.79);
  });
});
