import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './stats.ts';

describe('LatencyRecorder', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose

  it.each([
    { q: 0.5, expected: 50 },
    { q: 0.95, expected: 95 },
    { q: 0.99, expected: 99 },
    { q: 1, expected: 100 },
    { q: 0, expected: 1 },
  ])('nearest-rank quantile $q of 1..100 is $expected', ({ q, expected }) => {
    const r = new LatencyRecorder();
    for (const v of hundred) r.record(v);
    expect(r.quantile(q)).toBe(expected);
  });

  it('is undefined when empty and grows past its initial capacity', () => {
    const r = new LatencyRecorder();
    expect(r.quantile(0.5)).toBeUndefined();
    for (let i = 1; i <= 5000; i++) r.record(i);
    expect(r.count).toBe(5000);
    expect(r.max()).toBe(5000);
    r.record(0.5);
    expect(r.quantile(0)).toBe(0.5);
  });
});
