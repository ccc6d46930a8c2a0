import { describe, expect, it } from 'vitest';
import { RING_CHANGE_IDS, ringChange } from './ring-change.ts';

const members = (ids: string[], weight = 1) => ids.map((id) => ({ id, weight }));

describe('ringChange', () => {
  it('counts and names the added, removed and reweighted members', () => {
    const change = ringChange(
      [...members(['a', 'b']), { id: 'c', weight: 1 }],
      [...members(['b', 'd']), { id: 'c', weight: 2 }],
    );
    expect(change).toEqual({
      hosts: 3,
      added: 1,
      removed: 1,
      reweighted: 1,
      addedIds: ['d'],
      removedIds: ['a'],
      reweightedIds: ['c'],
    });
  });

  it('from nothing to a fleet of 1,000: exact counts, at most the cap of ids', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `host-${String(i).padStart(4, '0')}`);
    const change = ringChange([], members(ids));
    expect(change.hosts).toBe(1000);
    expect(change.added).toBe(1000);
    expect(change.addedIds).toEqual(ids.slice(0, RING_CHANGE_IDS));
    expect(JSON.stringify(change).length).toBeLessThan(400);
    const emptied = ringChange(members(ids), []);
    expect([emptied.hosts, emptied.removed, emptied.removedIds.length]).toEqual([0, 1000, RING_CHANGE_IDS]);
  });

  it('an unchanged member set changes nothing', () => {
    expect(ringChange(members(['a', 'b']), members(['b', 'a']))).toMatchObject({
      hosts: 2,
      added: 0,
      removed: 0,
      reweighted: 0,
    });
  });
});
