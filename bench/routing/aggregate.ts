import { round } from '../lib/stats.ts';

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `median (min–max)` of a figure over repeated runs, or the one value for a single run. */
export function spread(values: readonly number[], digits: number): string {
  if (values.length === 1) return String(round(values[0]!, digits));
  const min = Math.min(...values);
  const max = Math.max(...values);
  return `${round(median(values), digits)} (${round(min, digits)}–${round(max, digits)})`;
}
