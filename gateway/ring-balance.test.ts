import { describe, expect, it } from 'vitest';
import type { RingMember } from './ring.ts';
import { bucketQuotas } from './ring-balance.ts';
import { createTableRing, type TableRing } from './ring-table.ts';

const members = (n: number, from = 0, weight = 1): RingMember[] =>
  Array.from({ length: n }, (_, i) => ({ id: `h${from + i}`, weight }));
const keys = Array.from({ length: 20_000 }, (_, i) => `rt-${i}`);
const balanced = (m: readonly RingMember[], buckets = 4096, depth = 8) =>
  createTableRing(m, { buckets, depth, balance: true });

/** Every host's bucket count is ⌊share⌋ or ⌈share⌉ of B by weight. */
function expectWithinQuota(ring: TableRing): void {
  const counts = ring.bucketCounts();
  const total = ring.members.reduce((s, m) => s + m.weight, 0);
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(ring.buckets);
  for (const m of ring.members) {
    const share = (ring.buckets * m.weight) / total;
    const n = counts.get(m.id) ?? 0;
    expect(n, m.id).toBeGreaterThanOrEqual(Math.floor(share + 1e-9));
    expect(n, m.id).toBeLessThanOrEqual(Math.ceil(share - 1e-9));
  }
}

describe('bucketQuotas', () => {
  it('is ⌊B·w/W⌋ and ⌈B·w/W⌉, equal when the share is whole', () => {
    const q = bucketQuotas(65_536, Array(1000).fill(1));
    expect(q.floor[0]).toBe(65);
    expect(q.ceil[0]).toBe(66);
    const w = bucketQuotas(1024, [1, 3]);
    expect([w.floor[0], w.ceil[0], w.floor[1], w.ceil[1]]).toEqual([256, 256, 768, 768]);
    const t = bucketQuotas(1000, [1, 1, 1, 1], 0.1);
    expect([t.floor[0], t.ceil[0]]).toEqual([225, 275]);
  });
});

describe('createTableRing with balance', () => {
  it('gives every host ⌊B/N⌋ or ⌈B/N⌉ buckets where plain rendezvous is binomial', () => {
    const plain = createTableRing(members(100), { buckets: 8192 }).bucketCounts();
    expect(Math.max(...plain.values()) - Math.min(...plain.values())).toBeGreaterThan(20);
    expectWithinQuota(balanced(members(100), 8192));
  });

  it('gives weighted hosts buckets in proportion to their weight, within one bucket', () => {
    expectWithinQuota(balanced([...members(30), ...members(5, 100, 3), { id: 'half', weight: 0.5 }], 4096));
  });

  it('handles fewer buckets than hosts (0 or 1 each) and a single host', () => {
    expectWithinQuota(balanced(members(40), 32, 4));
    expect(balanced(members(1), 64).bucketCounts().get('h0')).toBe(64);
  });

  it('depends only on the member set: 100 % agreement with another insertion order', () => {
    const a = balanced(members(60));
    const b = balanced([...members(60)].reverse());
    expect(keys.filter((k) => a.candidates(k, 3).join() !== b.candidates(k, 3).join())).toEqual([]);
  });

  it('updated in place equals built from scratch once filled, through joins, leaves and a weight change', () => {
    let current = members(40);
    let ring = balanced(current, 2048, 4);
    const steps: ((m: RingMember[]) => RingMember[])[] = [
      (m) => [...m, { id: 'n1', weight: 1 }],
      (m) => m.filter((x) => x.id !== 'h7'),
      (m) => m.map((x) => (x.id === 'h3' ? { ...x, weight: 2 } : x)),
      (m) => [...m, { id: 'n2', weight: 3 }],
    ];
    for (const step of steps) {
      current = step(current);
      ring = ring.update(current);
      ring.fill(Number.POSITIVE_INFINITY);
      expectWithinQuota(ring);
      const fresh = balanced(current, 2048, 4);
      for (const key of keys.slice(0, 3000))
        expect(ring.candidates(key, 4)).toEqual(fresh.candidates(key, 4));
    }
  });

  it('serves a bucket from its balanced owner, then the rest of its rendezvous order without repeats', () => {
    const ring = balanced(members(50), 1024, 4);
    const plain = createTableRing(members(50), { buckets: 1024, depth: 4 });
    let moved = 0;
    for (const key of keys.slice(0, 4000)) {
      const order = ring.candidates(key, 4);
      expect(new Set(order).size).toBe(4);
      const natural = plain.candidates(key, 4);
      if (order[0] !== natural[0]) moved += 1;
      // Past the owner, the rendezvous order (the owner left out).
      expect(order.slice(1)).toEqual(natural.filter((h) => h !== order[0]).slice(0, 3));
      const all = ring.candidates(key);
      expect(all[0]).toBe(order[0]);
      expect(new Set(all).size).toBe(50);
    }
    // Balancing moved some buckets off their rendezvous winner (the plain table is off by > 1 bucket).
    expect(moved).toBeGreaterThan(0);
  });

  it('answers from rendezvous winners while buckets are pending, balanced once complete', () => {
    const ring = balanced(members(30), 1024, 4);
    const plain = createTableRing(members(31), { buckets: 1024, depth: 4 });
    const updated = ring.update(members(31));
    for (const key of keys.slice(0, 200))
      expect(updated.candidates(key, 1)).toEqual(plain.candidates(key, 1));
    updated.fill(Number.POSITIVE_INFINITY);
    expectWithinQuota(updated);
  });
});
