import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 5000 };
  it.each([
    [1, 0, 80],
    [1, 0.999, 100],
    [2, 0.5, 180],
    [3, 1, 400],
    [7, 1, 5000],
    [50, 0, 4000],
    [1_000_000, 1, 5000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, options, random)).toBe(expected);
  });

  it('never decreases from one attempt to the next at the same jitter', () => {
    const delays = Array.from({ length: 20 }, (_, i) => backoffDelay(i + 1, options, 0.5));
    expect(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number))).toBe(true);
  });
});
