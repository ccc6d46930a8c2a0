import type { RingMember } from '../ring.ts';

/** How many ids each list of a ring change names at most; the counts are always exact. */
export const RING_CHANGE_IDS = 10;

/** What a ring rebuild changed, sized for one log line at any fleet size. */
export interface RingChange {
  /** Members of the new ring. */
  hosts: number;
  added: number;
  removed: number;
  /** Members in both rings whose weight changed. */
  reweighted: number;
  /** The first `RING_CHANGE_IDS` ids of each kind (by id); the count says how many there are. */
  addedIds: string[];
  removedIds: string[];
  reweightedIds: string[];
}

/** The difference between two rings' members: counts, and at most `cap` ids of each kind. */
export function ringChange(
  before: readonly RingMember[],
  after: readonly RingMember[],
  cap = RING_CHANGE_IDS,
): RingChange {
  const old = new Map(before.map((m) => [m.id, m.weight]));
  const now = new Set<string>();
  const added: string[] = [];
  const reweighted: string[] = [];
  for (const m of after) {
    now.add(m.id);
    const weight = old.get(m.id);
    if (weight === undefined) added.push(m.id);
    else if (weight !== m.weight) reweighted.push(m.id);
  }
  const removed = before.filter((m) => !now.has(m.id)).map((m) => m.id);
  const first = (ids: string[]) => ids.sort().slice(0, Math.max(0, cap));
  return {
    hosts: now.size,
    added: added.length,
    removed: removed.length,
    reweighted: reweighted.length,
    addedIds: first(added),
    removedIds: first(removed),
    reweightedIds: first(reweighted),
  };
}
