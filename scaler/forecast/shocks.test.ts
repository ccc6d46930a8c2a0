import { describe, expect, it } from 'vitest';
import { changeBand, despike, errorSince } from './shocks.ts';

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

  it('points at the newest shock of the recent steps', () => {
    const band = changeBand([...flat(30, 100), 300, 300, 40, 40], 0, 4, 10, 10);
    expect(band).toMatchObject({ shock: -260, shockAt: 32 });
    expect(changeBand([...flat(30, 100), 101], 0, 4, 10, 10)).toMatchObject({ shock: null, shockAt: null });
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

describe('errorSince', () => {
  // Origins 10..15; the shock at history index 12.
  const targets = [40, 40, 100, 100, 100, 100];
  it('scores only the forecasts made at or after the shock, relative to what happened', () => {
    expect(errorSince([40, 40, 40, 100, 100, 100], targets, 10, 12, 3)).toEqual({ error: 0.15, steps: 4 });
    expect(errorSince([0, 0, 100, 100, 100, 100], targets, 10, 12, 3)).toEqual({ error: 0, steps: 4 });
  });
  it('is null with fewer than minSteps of them', () => {
    expect(errorSince(targets, targets, 10, 14, 3)).toBeNull();
    expect(errorSince(targets, targets, 10, 13, 3)).toEqual({ error: 0, steps: 3 });
  });
});
