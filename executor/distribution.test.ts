import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.ts';
import { draw, parseDistribution } from './distribution.ts';

describe('parseDistribution', () => {
  it.each([
    ['250', { kind: 'fixed', ms: 250 }],
    ['fixed:10', { kind: 'fixed', ms: 10 }],
    ['uniform:100:500', { kind: 'uniform', minMs: 100, maxMs: 500 }],
    ['exponential:200', { kind: 'exponential', meanMs: 200 }],
    ['lognormal:300:0.5', { kind: 'lognormal', medianMs: 300, sigma: 0.5 }],
  ])('parses %s', (text, expected) => {
    expect(parseDistribution(text)).toEqual(expected);
  });

  it.each(['', 'abc', '-5', 'uniform:5:1', 'uniform:1', 'gamma:1', 'fixed:x', 'lognormal:1'])(
    'rejects %j naming the accepted forms',
    (text) => {
      expect(() => parseDistribution(text)).toThrow(/invalid distribution .*expected <ms>/);
    },
  );
});

describe('draw', () => {
  it('is reproducible for a seed and stays within uniform bounds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const dist = parseDistribution('uniform:100:200');
    const xs = Array.from({ length: 100 }, () => draw(dist, a));
    expect(xs).toEqual(Array.from({ length: 100 }, () => draw(dist, b)));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...xs)).toBeLessThan(200);
  });

  it('centres a lognormal on its median', () => {
    const random = seededRandom(7);
    const dist = parseDistribution('lognormal:300:0.5');
    const xs = Array.from({ length: 2001 }, () => draw(dist, random)).sort((x, y) => x - y);
    expect(xs[1000]).toBeGreaterThan(270);
    expect(xs[1000]).toBeLessThan(330);
  });
});
