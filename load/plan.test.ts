import { describe, expect, it } from 'vitest';
import { countEvents, syntheticPlan } from './plan.ts';

const base = { rps: 10, durationMs: 2_000, runtimes: 5, zipf: 1, seed: 3, prefix: 'rt' };

describe('syntheticPlan', () => {
  it.each([
    { rps: 10, durationMs: 2_000, expected: 20 },
    { rps: 3, durationMs: 1_000, expected: 3 },
    { rps: 0.5, durationMs: 5_000, expected: 3 },
    { rps: 1000, durationMs: 250, expected: 250 },
  ])('sends $expected requests at $rps req/s for $durationMs ms', ({ rps, durationMs, expected }) => {
    expect(countEvents(syntheticPlan({ ...base, rps, durationMs }))).toBe(expected);
  });

  it('spaces requests evenly (open loop at a fixed rate)', () => {
    const at = [...syntheticPlan(base)].map((e) => e.at);
    for (const [i, t] of at.entries()) expect(t).toBeCloseTo(i * 100, 9);
  });

  it('uses runtime ids <prefix>-<rank> within K, the same for the same seed', () => {
    const a = [...syntheticPlan(base)].map((e) => e.runtimeId);
    expect(new Set(a).size).toBeLessThanOrEqual(5);
    for (const id of a) expect(id).toMatch(/^rt-[0-4]$/);
    expect([...syntheticPlan(base)].map((e) => e.runtimeId)).toEqual(a);
    expect([...syntheticPlan({ ...base, seed: 4 })].map((e) => e.runtimeId)).not.toEqual(a);
  });

  it('asks every execution for the fixed execution time when given', () => {
    expect([...syntheticPlan(base)].every((e) => e.durationMs === undefined)).toBe(true);
    expect([...syntheticPlan({ ...base, execTimeMs: 200 })].every((e) => e.durationMs === 200)).toBe(true);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => [...syntheticPlan({ ...base, rps: 0 })]).toThrow('rps must be > 0');
  });
});
