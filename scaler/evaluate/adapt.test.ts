import { describe, expect, it } from 'vitest';
import { adaptQuantiles, describeQuantiles, markTrusted, quantilesInUse } from './adapt.ts';
import type { Prediction } from './predict.ts';
import { policyOf } from './test-support.ts';

const policy = policyOf({ forecast: { enabled: true, missRate: 0.1, adaptGain: 0.01 } });
const reading = (value: number) => ({ inflight: { ok: true as const, value } });

describe('adaptQuantiles', () => {
  it('starts at forecast.quantile and counts nothing before a trusted forecast', () => {
    const q = adaptQuantiles(policy, undefined, reading(100), 2);
    expect(q).toEqual({ inflight: { quantile: 0.8, ticks: 0, misses: 0, trusted: false } });
    expect(quantilesInUse(q)).toEqual({ inflight: 0.8 });
    expect(describeQuantiles(policy, q)).toBe(
      'inflight: quantile 0.8, miss rate target 10 %, no tick counted yet',
    );
  });

  it('after a trusted tick: demand above the active hosts is a miss and raises the quantile', () => {
    const trusted = { inflight: { quantile: 0.8, ticks: 0, misses: 0, trusted: true } };
    // 3 active hosts × 8 = 24: 25 is a miss, 24 is not.
    const up = adaptQuantiles(policy, trusted, reading(25), 3).inflight!;
    expect(up.quantile).toBeCloseTo(0.809, 9);
    expect(up).toMatchObject({ ticks: 1, misses: 1 });
    const down = adaptQuantiles(policy, trusted, reading(24), 3).inflight!;
    expect(down.quantile).toBeCloseTo(0.799, 9);
    expect(down).toMatchObject({ ticks: 1, misses: 0 });
    expect(describeQuantiles(policy, { inflight: up })).toBe(
      'inflight: quantile 0.81, miss rate target 10 %, 100 % realised over 1 tick(s)',
    );
  });

  it('holds the quantile on a failed reading, and is off without missRate', () => {
    const trusted = { inflight: { quantile: 0.7, ticks: 4, misses: 1, trusted: true } };
    const failed = { inflight: { ok: false as const, reason: 'empty' as const } };
    expect(adaptQuantiles(policy, trusted, failed, 3)).toEqual(trusted);
    expect(adaptQuantiles(policyOf({ forecast: { enabled: true } }), trusted, reading(99), 1)).toEqual({});
  });

  it('marks each metric trusted as its forecast was this tick', () => {
    const q = { inflight: { quantile: 0.7, ticks: 4, misses: 1, trusted: true } };
    const prediction = { forecasts: { inflight: { trusted: false } } } as unknown as Prediction;
    expect(markTrusted(q, prediction).inflight!.trusted).toBe(false);
    expect(markTrusted(q, undefined).inflight!.trusted).toBe(false);
  });
});
