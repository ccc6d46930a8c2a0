import { IdleHistogram } from './idle-histogram.ts';

/** The rules a runtime's surplus-copy keep-alive is learned with (`gateway.keepWarm`). */
export interface OverflowRules {
  /** Width of one bin, ms (the idle-time histogram's). */
  binMs: number;
  /** Bins; gaps past `bins × binMs` count as out of range. */
  bins: number;
  /** Keep a surplus copy until this percentile of the gaps between overflow episodes. */
  tailPercentile: number;
  /** Safety margin on that percentile, a fraction. */
  margin: number;
  /** Gaps needed before the histogram is used. */
  minSamples: number;
  /** Share of gaps past the histogram's range above which it is not used. */
  maxOutOfBounds: number;
  /** The keep-alive of a surplus copy while the histogram is not used, ms. */
  surplusIdle: number;
}

/** One runtime's overflow episodes: calls answered by a copy beyond the ones the pick prefers. */
export interface OverflowHistory {
  /** Gaps between overflow episodes (from the last overflow call's end to the next one's start). */
  gaps: IdleHistogram;
  /** When the latest overflow call ended (or started, while it runs), ms. */
  lastAt: number | undefined;
}

/** What a runtime's surplus copies are kept for, and on what basis. */
export interface SurplusKeep {
  /** A surplus copy that served no call for this long is trimmed, ms. */
  idle: number;
  /** `learned`: from the runtime's gaps between overflow episodes; `fixed`: the `surplusIdle` fallback. */
  basis: 'learned' | 'fixed';
  /** Why the gaps were not used (fixed basis). */
  why?: string;
}

export function newOverflowHistory(rules: Pick<OverflowRules, 'binMs' | 'bins'>): OverflowHistory {
  return { gaps: new IdleHistogram(rules.binMs, rules.bins), lastAt: undefined };
}

/**
 * An overflow call of the runtime ran from `start` to `end`. A call starting at least one bin after
 * the previous overflow call ended opens a new episode, and the gap between them is recorded; closer
 * calls belong to the same burst (their gaps would fill the low bins and say nothing of when the
 * next burst comes). Pure.
 */
export function overflowSeen(h: OverflowHistory, start: number, end: number): void {
  if (h.lastAt !== undefined && start - h.lastAt >= h.gaps.binMs) h.gaps.record(start - h.lastAt);
  h.lastAt = Math.max(h.lastAt ?? end, end);
}

/**
 * How long a surplus copy of the runtime is kept after it last served a call: up to the tail
 * percentile of the gaps between its overflow episodes (widened by the margin), so an overflow copy
 * survives while its runtime's bursts recur, and the next burst finds it warm; the fixed `surplusIdle`
 * while fewer than `minSamples` gaps are known or most of them are past the histogram's range (bursts
 * too rare to keep a copy for). No flatness test: unlike a pre-warm, keeping a copy needs no peak,
 * only a bound. Pure.
 */
export function surplusKeep(h: OverflowHistory, rules: OverflowRules): SurplusKeep {
  const g = h.gaps;
  if (g.total < rules.minSamples)
    return {
      idle: rules.surplusIdle,
      basis: 'fixed',
      why: `${g.total} overflow gaps, ${rules.minSamples} needed`,
    };
  if (g.outOfBounds / g.total > rules.maxOutOfBounds)
    return {
      idle: rules.surplusIdle,
      basis: 'fixed',
      why: `${Math.round((100 * g.outOfBounds) / g.total)} % of overflow gaps exceed the histogram's range`,
    };
  const tail = g.percentile(rules.tailPercentile, 'upper')!;
  return { idle: Math.ceil(tail * (1 + rules.margin)), basis: 'learned' };
}
