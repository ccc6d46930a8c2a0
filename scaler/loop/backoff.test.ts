import { describe, expect, it } from 'vitest';
import { RetryGate, retryDelay } from './backoff.ts';

describe('retry backoff', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [7, 60_000],
    [100, 60_000],
  ])('after %i failures waits %i ms', (failures, ms) => {
    expect(retryDelay(failures)).toBe(ms);
  });

  it('closes after a failure until the delay passed, and opens again on success', () => {
    const gate = new RetryGate({ baseMs: 100, maxMs: 1000 });
    expect(gate.open(0)).toBe(true);
    gate.failure(0);
    expect(gate.open(99)).toBe(false);
    expect(gate.open(100)).toBe(true);
    gate.failure(100);
    expect(gate.nextAt).toBe(300);
    gate.success();
    expect(gate.open(100)).toBe(true);
    expect(gate.consecutiveFailures).toBe(0);
  });
});
