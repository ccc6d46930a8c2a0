import { describe, expect, it } from 'vitest';
import { newOverflowHistory, type OverflowRules, overflowSeen, surplusKeep } from './overflow-gaps.ts';

const MIN = 60_000;
const rules: OverflowRules = {
  binMs: MIN,
  bins: 240,
  tailPercentile: 99,
  margin: 0.1,
  minSamples: 3,
  maxOutOfBounds: 0.5,
  surplusIdle: MIN,
};

/** Overflow bursts every `every` minutes, each of three overflow calls a few seconds apart. */
function bursts(every: number, n: number) {
  const h = newOverflowHistory(rules);
  for (let i = 0; i < n; i++) {
    const t = i * every * MIN;
    for (const s of [0, 2_000, 4_000]) overflowSeen(h, t + s, t + s + 1_000);
  }
  return h;
}

describe('surplus copies kept while their overflows recur', () => {
  it('falls back to surplusIdle until minSamples gaps between episodes are known', () => {
    // Two bursts: one gap; the calls inside a burst are one episode, not gaps.
    const h = bursts(20, 2);
    expect(h.gaps.total).toBe(1);
    expect(surplusKeep(h, rules)).toEqual({ idle: MIN, basis: 'fixed', why: '1 overflow gaps, 3 needed' });
  });

  it('keeps a copy up to the tail percentile of the gaps, plus the margin', () => {
    // Bursts every 20 min, 5 s long: the gap from one's end to the next's start is just under 20 min (bin 19).
    const keep = surplusKeep(bursts(20, 5), rules);
    expect(keep.basis).toBe('learned');
    expect(keep.idle).toBe(Math.ceil(20 * MIN * 1.1));
  });

  it('bursts rarer than the histogram covers fall back to surplusIdle', () => {
    const keep = surplusKeep(bursts(300, 5), rules);
    expect(keep.basis).toBe('fixed');
    expect(keep.idle).toBe(MIN);
    expect(keep.why).toBe("100 % of overflow gaps exceed the histogram's range");
  });

  it('a long overflow call counts from its end: a call starting while it runs is the same episode', () => {
    const h = newOverflowHistory(rules);
    overflowSeen(h, 0, 10 * MIN);
    overflowSeen(h, 5 * MIN, 5 * MIN + 1_000);
    expect(h.lastAt).toBe(10 * MIN);
    overflowSeen(h, 12 * MIN, 12 * MIN + 1_000);
    expect(h.gaps.total).toBe(1);
    expect(h.gaps.percentile(50, 'lower')).toBe(2 * MIN);
  });
});
