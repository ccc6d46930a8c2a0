import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.ts';
import { zipfCdf, zipfSampler } from './zipf.ts';

describe('zipfCdf', () => {
  it.each([
    { name: 'uniform (s = 0)', k: 4, s: 0, cdf: [0.25, 0.5, 0.75, 1] },
    { name: 'classic (s = 1)', k: 3, s: 1, cdf: [6 / 11, 9 / 11, 1] },
    { name: 'steep (s = 2)', k: 2, s: 2, cdf: [0.8, 1] },
    { name: 'one rank', k: 1, s: 1.5, cdf: [1] },
  ])('$name', ({ k, s, cdf }) => {
    const got = [...zipfCdf(k, s)];
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(cdf[i]!, 12);
  });
});

describe('zipfSampler', () => {
  it('draws ranks with the Zipf frequencies (seeded, 200k draws)', () => {
    const k = 10;
    const draw = zipfSampler(k, 1, seededRandom(1));
    const counts = new Array<number>(k).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[draw()]!++;
    const cdf = zipfCdf(k, 1);
    for (let i = 0; i < k; i++) {
      const expected = cdf[i]! - (i === 0 ? 0 : cdf[i - 1]!);
      expect(counts[i]! / n).toBeCloseTo(expected, 2);
    }
  });

  it('never leaves 0..k-1', () => {
    const draw = zipfSampler(3, 0.8, seededRandom(9));
    for (let i = 0; i < 10_000; i++) expect([0, 1, 2]).toContain(draw());
  });

  it.each([
    { k: 0, s: 1, message: 'k must be a positive integer' },
    { k: 2.5, s: 1, message: 'k must be a positive integer' },
    { k: 3, s: -1, message: 's must be ≥ 0' },
    { k: 3, s: Number.NaN, message: 's must be ≥ 0' },
  ])('rejects k=$k s=$s', ({ k, s, message }) => {
    expect(() => zipfSampler(k, s, Math.random)).toThrow(message);
  });
});
