import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, RetryGate } from './backoff.ts';

describe('retry backoff', () => {
  it('waits 1 s after the first failure, doubling to 60 s (DEFAULT_RETRY)', () => {
    const gate = new RetryGate(DEFAULT_RETRY);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      gate.failure(0);
      waits.push(gate.nextAt);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
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
