import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSweep } from './deadlines.ts';

function item() {
  return {
    expired: 0,
    expire() {
      this.expired += 1;
    },
  };
}

describe('DeadlineSweep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never fires early, and at most two ticks late', () => {
    const sweep = new DeadlineSweep(50);
    vi.advanceTimersByTime(20); // arrive in the middle of a tick
    const a = item();
    sweep.add(a, 600);
    vi.advanceTimersByTime(599);
    expect(a.expired).toBe(0);
    vi.advanceTimersByTime(101);
    expect(a.expired).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(a.expired).toBe(1);
  });

  it('does not fire an item deleted in time, and fires the others', () => {
    const sweep = new DeadlineSweep(10);
    const gone = item();
    const late = item();
    sweep.add(gone, 100);
    sweep.add(late, 100);
    sweep.delete(gone);
    vi.advanceTimersByTime(130);
    expect(gone.expired).toBe(0);
    expect(late.expired).toBe(1);
    expect(sweep.size).toBe(0);
  });

  it('stops its interval when nothing is pending and starts it again for the next deadline', () => {
    const sweep = new DeadlineSweep(10);
    const a = item();
    sweep.add(a, 10);
    vi.advanceTimersByTime(40);
    expect(a.expired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    const b = item();
    sweep.add(b, 30);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(29);
    expect(b.expired).toBe(0);
    vi.advanceTimersByTime(21);
    expect(b.expired).toBe(1);
  });

  it('refuses a resolution that is not a positive number of ms', () => {
    expect(() => new DeadlineSweep(0)).toThrow(/resolution must be > 0 ms/);
  });
});
