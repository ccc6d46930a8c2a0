import { describe, expect, it } from 'vitest';
import { backoffDelay, withJitter } from './backoff.ts';

describe('backoffDelay', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };
  it.each([
    [-1, 0],
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [7, 60_000],
    [100, 60_000],
    [1_000_000, 60_000],
  ])('retry %i waits %i ms', (n, ms) => {
    expect(backoffDelay(n, policy)).toBe(ms);
  });
});

describe('withJitter (the registry reconnect: 100 ms doubling to 5 s)', () => {
  const policy = { baseMs: 100, maxMs: 5000 };
  it.each([
    [1, 0, 80],
    [1, 0.999, 100],
    [2, 0.5, 180],
    [3, 1, 400],
    [7, 1, 5000],
    [50, 0, 4000],
    [1_000_000, 1, 5000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(withJitter(backoffDelay(attempt, policy), random)).toBe(expected);
  });

  it('never decreases from one attempt to the next at the same jitter', () => {
    const delays = Array.from({ length: 20 }, (_, i) => withJitter(backoffDelay(i + 1, policy), 0.5));
    expect(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number))).toBe(true);
  });
});
