/** The reactive shadow and the budget quantile (forecast.budgetMargin) inside evaluate(). */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import type { Policy } from '../policy/schema.ts';
import { simulate } from '../simulate/run.ts';
import type { DecisionRecord } from '../types.ts';
import { evaluate } from './evaluate.ts';
import { reactiveOf, stepShadow } from './shadow.ts';
import { initialState } from './state.ts';
import { hostsOf, obsOf, policyOf } from './test-support.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const TICK = 15_000;

/**
 * An hourly wave between 48 and 144 in flight with multiplicative noise of ±`noise`, drawn per tick
 * from a seeded generator (the same value all the tick long).
 */
function wave(noise: number, seed: number): (t: number) => number {
  return (t) => {
    const tick = Math.floor(t / TICK);
    const u = seededRandom(seed * 1_000_003 + tick + 1e6)();
    const level = 96 + 48 * Math.sin((2 * Math.PI * t) / HOUR);
    return level * (1 + noise * (2 * u - 1));
  };
}

const budgeted = policyOf({ hosts: { max: 50 }, forecast: { enabled: true, seasons: ['1h'] } });

/** Ticks where the reading exceeded what the active hosts serve (as bench:scaler counts a miss). */
function misses(records: readonly DecisionRecord[]): number {
  return records.filter((r) => {
    const reading = r.inputs.metrics.inflight!;
    return reading.ok && reading.value > r.inputs.hosts.active * 8;
  }).length;
}

function run(policy: Policy, demand: (t: number) => number) {
  return simulate({ policy, demand, durationMs: 2 * HOUR, initialHosts: 12, priorHistoryMs: 3 * HOUR });
}

describe('the reactive shadow', () => {
  for (const [name, noise, seed] of [
    ['5 % noise', 0.05, 1],
    ['40 % noise', 0.4, 2],
  ] as const) {
    it(`counts the reactive policy's own under-provisioned ticks, on ${name}`, () => {
      const demand = wave(noise, seed);
      const reactive = run(reactiveOf(budgeted), demand);
      const predictive = run(budgeted, demand);
      const shadow = predictive.state.shadow!;
      // The shadow's tally is what the reactive policy, run for real on the same demand, missed.
      expect(misses(reactive.records)).toBeGreaterThan(0);
      expect(shadow.budget.shadowMisses).toBe(misses(reactive.records));
      expect(shadow.desired).toBe(reactive.records.at(-1)!.desired);
      // And its own tally is what the real fleet (forecast and all) missed.
      expect(shadow.budget.misses).toBe(misses(predictive.records));
      expect(shadow.budget.ticks).toBe(predictive.records.length);
      // Never below what current demand needs on the way down, whatever the quantile.
      for (const r of predictive.records) {
        const reading = r.inputs.metrics.inflight!;
        if (r.desired < r.inputs.current && reading.ok) {
          expect(r.desired).toBeGreaterThanOrEqual(Math.ceil(reading.value / 8 - 1e-9));
        }
      }
    });
  }

  it('moves the quantile with the tallies and explains both in the decision record', () => {
    const predictive = run(budgeted, wave(0.4, 2));
    const { budget } = predictive.state.shadow!;
    expect(budget.quantile).toBeCloseTo(
      Math.min(0.99, Math.max(0.5, 0.8 + 0.003 * (budget.misses - 0.95 * budget.shadowMisses))),
      12,
    );
    const last = predictive.records.at(-1)!;
    const detail = last.steps.find((s) => s.step === 'forecast')!.detail!;
    expect(detail).toMatch(
      /budget: reactive shadow \d+ host\(s\) \(\d+ active, \d+ booting\); under-provisioned \d+ s against the shadow's \d+ s over \d+ tick\(s\): quantile 0\.\d+/,
    );
    expect(detail).toContain(`${budget.misses * 15} s against the shadow's ${budget.shadowMisses * 15} s`);
  });

  it('starts from the observed fleet: active hosts active, booting ones booting until bootTime', () => {
    const hosts = [...hostsOf(3), ...hostsOf(2, { state: 'booting', registeredAt: 100_000 }, 'b')];
    const now = 120_000;
    const first = stepShadow(budgeted, undefined, obsOf(hosts, 40), now, evaluate);
    expect(first.hosts.map((h) => h.active)).toEqual([true, true, true, false, false]);
    // 40 in flight on 3 active hosts (24): the real fleet and the shadow both missed.
    expect(first.budget).toMatchObject({ ticks: 1, misses: 1, shadowMisses: 1 });
    const later = stepShadow(budgeted, first, obsOf(hosts, 40), 100_000 + 45_000, evaluate);
    expect(later.hosts.filter((h) => h.active)).toHaveLength(5);
    // The shadow has 5 active hosts (40): no shadow miss; the real fleet still has 3 active.
    expect(later.budget).toMatchObject({ ticks: 2, misses: 2, shadowMisses: 1 });
  });

  it('is not kept with a fixed quantile (budgetMargin null) nor with missRate set', () => {
    for (const forecast of [{ budgetMargin: null }, { missRate: 0.1 }]) {
      const policy = policyOf({ hosts: { max: 50 }, forecast: { enabled: true, ...forecast } });
      expect(evaluate(policy, initialState(), obsOf(8, 40), 0).state.shadow).toBeUndefined();
    }
    expect(evaluate(budgeted, initialState(), obsOf(8, 40), 0).state.shadow).toBeDefined();
  });
});
