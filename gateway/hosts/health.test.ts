import { describe, expect, it } from 'vitest';
import { type HealthPolicy, initialHealth, probeDue, recordFailure, recordSuccess } from './health.ts';

const policy: HealthPolicy = { ejectAfter: 3, interval: 5_000, backoffMin: 1_000, backoffMax: 8_000 };

describe('health state', () => {
  it('ejects after ejectAfter consecutive failures, not before', () => {
    const s = initialHealth(0, policy);
    expect(recordFailure(s, 10, policy, 'connect')).toBeUndefined();
    expect(recordFailure(s, 20, policy, 'connect')).toBeUndefined();
    expect(s.healthy).toBe(true);
    expect(recordFailure(s, 30, policy, 'connect')).toBe('ejected');
    expect(s).toMatchObject({ healthy: false, nextProbeAt: 1_030, lastError: 'connect' });
  });

  it('a success in between resets the count', () => {
    const s = initialHealth(0, policy);
    recordFailure(s, 1, policy, 'x');
    recordFailure(s, 2, policy, 'x');
    recordSuccess(s, 3, policy, false);
    expect(recordFailure(s, 4, policy, 'x')).toBeUndefined();
    expect(s.healthy).toBe(true);
  });

  it('backs off probing an ejected host, doubling up to the max, and readmits on success', () => {
    const s = initialHealth(0, policy);
    for (let i = 0; i < 3; i++) recordFailure(s, 0, policy, 'x');
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      expect(probeDue(s, now)).toBe(false);
      now = s.nextProbeAt;
      expect(probeDue(s, now)).toBe(true);
      recordFailure(s, now, policy, 'still down');
      delays.push(s.nextProbeAt - now);
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(recordSuccess(s, now, policy, true)).toBe('readmitted');
    expect(s).toMatchObject({
      healthy: true,
      consecutiveFailures: 0,
      backoff: 1_000,
      nextProbeAt: now + 5_000,
    });
  });
});
