import { describe, expect, it } from 'vitest';
import { HoldSlots } from './hold-slots.ts';

describe('HoldSlots', () => {
  it('bounds holds per runtime id and reason, then in all', () => {
    const slots = new HoldSlots(2, 3);
    expect(slots.take('a', 'cold-start')).toBe('ok');
    expect(slots.take('a', 'cold-start')).toBe('ok');
    expect(slots.take('a', 'cold-start')).toBe('queue');
    // Another reason for the same id has its own queue; the total still counts both.
    expect(slots.take('a', 'no-hosts')).toBe('ok');
    expect(slots.take('b', 'cold-start')).toBe('limit');
    expect(slots.take(undefined, 'no-hosts')).toBe('limit');
    expect(slots.total).toBe(3);
    slots.give('a', 'cold-start');
    expect(slots.heldFor('a', 'cold-start')).toBe(1);
    expect(slots.take('b', 'cold-start')).toBe('ok');
  });

  it('holds without a runtime id count only in the total, and slots come back', () => {
    const slots = new HoldSlots(1, 2);
    expect(slots.take(undefined, 'no-hosts')).toBe('ok');
    expect(slots.take(undefined, 'no-hosts')).toBe('ok');
    expect(slots.take(undefined, 'no-hosts')).toBe('limit');
    slots.give(undefined, 'no-hosts');
    slots.give(undefined, 'no-hosts');
    expect(slots.total).toBe(0);
    expect(slots.take('x', 'cold-start')).toBe('ok');
    slots.give('x', 'cold-start');
    expect(slots.heldFor('x', 'cold-start')).toBe(0);
  });
});
