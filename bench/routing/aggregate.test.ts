import { describe, expect, it } from 'vitest';
import { median, spread } from './aggregate.ts';

describe('run aggregation', () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('median of %j is %f', (values, m) => {
    expect(median(values)).toBe(m);
  });

  it('writes median (min–max), or the single value', () => {
    expect(spread([1.234, 1.5, 1.2], 2)).toBe('1.23 (1.2–1.5)');
    expect(spread([79], 0)).toBe('79');
  });
});
