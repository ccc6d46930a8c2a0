import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSweep } from './deadlines.ts';

function item() {
  return {
    expired: 0,
    deadlineSlot: -1,
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

  it('keeps the others when items are deleted out of order, and forgets every slot', () => {
    const sweep = new DeadlineSweep(10);
    const items = Array.from({ length: 5 }, item);
    for (const [i, it] of items.entries()) sweep.add(it, 10 * (i + 1));
    sweep.delete(items[0]!); // the last item moves into slot 0
    sweep.delete(items[2]!);
    sweep.delete(items[2]!); // twice: nothing else is touched
    expect(sweep.size).toBe(3);
    vi.advanceTimersByTime(100);
    expect(items.map((i) => i.expired)).toEqual([0, 1, 0, 1, 1]);
    expect(sweep.size).toBe(0);
    expect(items.map((i) => i.deadlineSlot)).toEqual([-1, -1, -1, -1, -1]);
  });

  it('lets an expiring item add a new deadline and delete another', () => {
    const sweep = new DeadlineSweep(10);
    const retry = item();
    const other = item();
    const first = {
      expired: 0,
      expire() {
        this.expired += 1;
        sweep.delete(other);
        sweep.add(retry, 30);
      },
    };
    sweep.add(first, 10);
    sweep.add(other, 200);
    vi.advanceTimersByTime(30);
    expect(first.expired).toBe(1);
    expect(sweep.size).toBe(1);
    vi.advanceTimersByTime(40);
    expect(retry.expired).toBe(1);
    expect(other.expired).toBe(0);
  });

  it('refuses a resolution that is not a positive number of ms', () => {
    expect(() => new DeadlineSweep(0)).toThrow(/resolution must be > 0 ms/);
  });
});
