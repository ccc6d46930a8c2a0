import { describe, expect, it } from 'vitest';
import { changeBand, despike } from './shocks.ts';

const flat = (n: number, v: number) => Array.from({ length: n }, () => v);
const wobble = (n: number) => Array.from({ length: n }, (_, i) => 100 + (i % 2 === 0 ? 5 : -5));

describe('changeBand', () => {
  it.each([
    ['a step down after a flat history', [...flat(30, 320), 40], 100, -280],
    ['a jump larger than any wobble before', [...wobble(30), 160], 30, 65],
    ['a wobble like the ones before', [...wobble(30), 105], 30, null],
  ])('%s', (_name, a, floor, shock) => {
    expect(changeBand(a, 0, 3, floor, 10)?.shock ?? null).toBe(shock);
  });

  it('has no opinion with too few changes to judge by', () => {
    expect(changeBand([1, 2, 3, 50], 0, 1, 0, 10)).toBeNull();
  });
});

describe('despike', () => {
  const band = { median: 0, bound: 10 };
  it('flattens a spike that came and went within `recent` steps', () => {
    expect(despike([40, 40, 200, 200, 40, 40], band, 3)).toEqual([40, 40, 40, 40, 40, 40]);
  });
  it('keeps a shift that stays: it is the new level', () => {
    expect(despike([320, 320, 40, 40, 40, 40], band, 3)).toEqual([320, 320, 40, 40, 40, 40]);
  });
  it('keeps a burst that lasts longer than `recent` steps', () => {
    expect(despike([40, 200, 200, 200, 200, 40], band, 3)).toEqual([40, 200, 200, 200, 200, 40]);
  });
});
