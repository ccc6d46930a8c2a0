import { describe, expect, it } from 'vitest';
import { inWarmWindow, nextWarmWindowStart, parseWarmWindow, type WarmWindow } from './warm-window.ts';

const at = (iso: string) => Date.parse(iso);
function parsed(text: string): WarmWindow {
  const w = parseWarmWindow(text);
  if (typeof w === 'string') throw new Error(w);
  return w;
}

describe('warm windows', () => {
  it('reads days, ranges and times', () => {
    const w = parsed('Mon-Fri 08:00-18:30');
    expect([...w.days].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([w.start, w.end]).toEqual([480, 1110]);
    expect([...parsed('sat,SUN 10:00-12:00').days].sort()).toEqual([0, 6]);
    expect([...parsed('Fri-Mon 00:00-24:00').days].sort()).toEqual([0, 1, 5, 6]);
    expect(parsed('9:05-9:10').days.size).toBe(7);
  });

  it('names what is wrong', () => {
    expect(parseWarmWindow('always')).toMatch(/must read "\[DAYS \]HH:MM-HH:MM"/);
    expect(parseWarmWindow('25:00-26:00')).toMatch(/start 25:00 is not a time/);
    expect(parseWarmWindow('10:00-24:01')).toMatch(/end 24:01 is not a time/);
    expect(parseWarmWindow('10:60-11:00')).toMatch(/start 10:60/);
    expect(parseWarmWindow('10:00-10:00')).toMatch(/empty/);
    expect(parseWarmWindow('Mon-Fry 10:00-11:00')).toMatch(/days "Mon-Fry"/);
    expect(parseWarmWindow('Mon-Tue-Wed 10:00-11:00')).toMatch(/days/);
  });

  it('is inside from the start (inclusive) to the end (exclusive), in UTC', () => {
    const w = parsed('Mon-Fri 08:00-18:00');
    // 2026-12-07 is a Monday.
    expect(inWarmWindow(w, at('2026-12-07T07:59:59Z'))).toBe(false);
    expect(inWarmWindow(w, at('2026-12-07T08:00:00Z'))).toBe(true);
    expect(inWarmWindow(w, at('2026-12-07T17:59:59Z'))).toBe(true);
    expect(inWarmWindow(w, at('2026-12-07T18:00:00Z'))).toBe(false);
    expect(inWarmWindow(w, at('2026-12-06T12:00:00Z'))).toBe(false); // Sunday
  });

  it('wraps past midnight into the next day', () => {
    const w = parsed('Fri 22:00-02:00');
    expect(inWarmWindow(w, at('2026-12-04T21:59:00Z'))).toBe(false); // Friday
    expect(inWarmWindow(w, at('2026-12-04T23:00:00Z'))).toBe(true);
    expect(inWarmWindow(w, at('2026-12-05T01:59:00Z'))).toBe(true); // Saturday, after midnight
    expect(inWarmWindow(w, at('2026-12-05T02:00:00Z'))).toBe(false);
    expect(inWarmWindow(w, at('2026-12-05T23:00:00Z'))).toBe(false); // Saturday evening: not a start day
    expect(inWarmWindow(w, at('2026-12-04T01:00:00Z'))).toBe(false); // Friday morning: Thursday is not a start day
  });

  it('finds the next start', () => {
    const w = parsed('Mon-Fri 08:00-18:00');
    expect(nextWarmWindowStart(w, at('2026-12-07T07:00:00Z'))).toBe(at('2026-12-07T08:00:00Z'));
    expect(nextWarmWindowStart(w, at('2026-12-07T08:00:00Z'))).toBe(at('2026-12-08T08:00:00Z'));
    expect(nextWarmWindowStart(w, at('2026-12-04T09:00:00Z'))).toBe(at('2026-12-07T08:00:00Z')); // Friday → Monday
  });
});
