import { describe, expect, it } from 'vitest';
import { inPinWindow, minWarmFloor, nextPinWindow, Pins } from './pins.ts';

const rule = (pattern: string, extra: { minWarm?: number; windows?: string[] } = {}) => ({
  pattern,
  alwaysWarm: false,
  maxIdle: undefined,
  ...extra,
});

describe('pins', () => {
  it('the first matching rule applies', () => {
    const pins = new Pins([rule('a-*', { minWarm: 2 }), rule('*', { windows: ['Mon 08:00-09:00'] })]);
    expect(pins.match('a-1')).toMatchObject({ index: 0, pattern: 'a-*', minWarm: 2, windows: [] });
    expect(pins.match('b-1')).toMatchObject({ index: 1, minWarm: 0 });
    expect(pins.match('b-1')!.windows[0]!.text).toBe('Mon 08:00-09:00');
  });

  it('minWarm keeps the most recently called runtimes of its rule, those it can create first', () => {
    const pins = new Pins([rule('a-*', { minWarm: 2 }), rule('b-*', { minWarm: 1 }), rule('c-*')]);
    const row = (id: string, lastCallAt: number, canCreate = true) => ({
      id,
      pin: pins.match(id),
      lastCallAt,
      canCreate,
    });
    const floor = minWarmFloor([
      row('a-1', 10),
      row('a-2', 30),
      row('a-3', 20),
      row('a-4', 40, false),
      row('b-1', 5),
      row('b-2', 6),
      row('c-1', 99),
    ]);
    expect([...floor].sort()).toEqual(['a-2', 'a-3', 'b-2']);
  });

  it('reports whether a window is open and when the next opens', () => {
    const pins = new Pins([rule('w', { windows: ['Mon 08:00-09:00', 'Tue 10:00-11:00'] })]);
    const pin = pins.match('w');
    // 2026-12-07 is a Monday.
    expect(inPinWindow(pin, Date.parse('2026-12-07T08:30:00Z'))).toBe(true);
    expect(inPinWindow(pin, Date.parse('2026-12-07T09:30:00Z'))).toBe(false);
    expect(nextPinWindow(pin, Date.parse('2026-12-07T09:30:00Z'))).toBe(Date.parse('2026-12-08T10:00:00Z'));
    expect(inPinWindow(undefined, 0)).toBe(false);
    expect(nextPinWindow(new Pins([rule('x')]).match('x'), 0)).toBeUndefined();
  });
});
