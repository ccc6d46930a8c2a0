import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.ts';
import { createRing, type RingMember } from './ring.ts';
import { createTableRing } from './ring-table.ts';

const members = (n: number, from = 0, weight = 1): RingMember[] =>
  Array.from({ length: n }, (_, i) => ({ id: `h${from + i}`, weight }));
const keys = Array.from({ length: 4000 }, (_, i) => `rt-${i}`);

describe('createTableRing', () => {
  it('gives every bucket the same prefix as rendezvous over all hosts would (depth ≥ asked)', () => {
    const ring = createTableRing(members(20), { buckets: 256, depth: 5 });
    for (const key of keys.slice(0, 500)) {
      const prefix = ring.candidates(key, 5);
      expect(new Set(prefix).size).toBe(5);
      // the full order (computed by scoring) starts with the table's prefix
      expect(ring.candidates(key).slice(0, 5)).toEqual(prefix);
      expect(ring.candidates(key)).toHaveLength(20);
    }
  });

  it('agrees with a ring built from the same members in another order', () => {
    const a = createTableRing(members(30), { buckets: 1024 });
    const b = createTableRing([...members(30)].reverse(), { buckets: 1024 });
    expect(keys.every((k) => a.candidates(k, 3).join() === b.candidates(k, 3).join())).toBe(true);
  });

  it('updated in place equals built from scratch, through joins, leaves and a weight change', () => {
    const random = seededRandom(3);
    let current = members(12);
    let ring = createTableRing(current, { buckets: 512, depth: 4 });
    for (let step = 0; step < 12; step++) {
      if (random() < 0.5 && current.length > 2)
        current = current.filter((_, i) => i !== Math.floor(random() * current.length));
      else current = [...current, { id: `n${step}`, weight: 1 + Math.floor(random() * 3) }];
      if (step === 6) current = current.map((m, i) => (i === 0 ? { ...m, weight: m.weight + 1 } : m));
      ring = ring.update(current);
      const fresh = createTableRing(current, { buckets: 512, depth: 4 });
      for (const key of keys.slice(0, 1000))
        expect(ring.candidates(key, 4)).toEqual(fresh.candidates(key, 4));
    }
  });

  it('moves only the removed host’s keys, and only keys to an added host', () => {
    const ring = createTableRing(members(10), { buckets: 4096 });
    const before = keys.map((k) => ring.candidates(k, 1)[0]);
    const removed = ring.update(members(10).filter((m) => m.id !== 'h3'));
    keys.forEach((k, i) => {
      const now = removed.candidates(k, 1)[0];
      if (before[i] !== 'h3') expect(now).toBe(before[i]);
    });
    const added = ring.update([...members(10), { id: 'new', weight: 1 }]);
    keys.forEach((k, i) => {
      const now = added.candidates(k, 1)[0];
      if (now !== 'new') expect(now).toBe(before[i]);
    });
  });

  it('follows weights: a host of weight 3 wins about 3 × the buckets of a host of weight 1', () => {
    const ring = createTableRing([...members(4), { id: 'big', weight: 3 }], { buckets: 16_384 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const o = ring.candidates(`k${i}`, 1)[0]!;
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    const small = (counts.get('h0')! + counts.get('h1')! + counts.get('h2')! + counts.get('h3')!) / 4;
    expect(counts.get('big')! / small).toBeGreaterThan(2.7);
    expect(counts.get('big')! / small).toBeLessThan(3.3);
  });

  it('handles no members and rejects a bad size or weight', () => {
    expect(createTableRing([]).candidates('x')).toEqual([]);
    expect(() => createTableRing(members(2), { buckets: 1000 })).toThrow(/power of two/);
    expect(() => createTableRing([{ id: 'a', weight: 0 }])).toThrow(/weight/);
  });

  it('is rendezvous at bucket granularity: the same owner share as the plain ring', () => {
    const plain = createRing(members(8));
    const table = createTableRing(members(8), { buckets: 8192 });
    const share = (f: (k: string) => string) => keys.filter((k) => f(k) === 'h0').length / keys.length;
    expect(
      Math.abs(share((k) => table.candidates(k, 1)[0]!) - share((k) => plain.candidates(k, 1)[0]!)),
    ).toBeLessThan(0.03);
  });
});

describe('TableRing.update (pending buckets)', () => {
  it('answers at once as a built table does, computing buckets on lookup and by fill', () => {
    const ring = createTableRing(members(16), { buckets: 1024, depth: 4 });
    const next = [...members(15), { id: 'n1', weight: 2 }];
    const updated = ring.update(next);
    expect(updated.pending).toBe(1024);
    const fresh = createTableRing(next, { buckets: 1024, depth: 4 });
    for (const key of keys.slice(0, 300))
      expect(updated.candidates(key, 4)).toEqual(fresh.candidates(key, 4));
    const afterLookups = updated.pending;
    expect(afterLookups).toBeLessThan(1024);
    expect(afterLookups).toBeGreaterThan(0);
    // A slice of work computes some buckets, not all; enough slices complete the table.
    expect(updated.fill(200)).toBe(false);
    expect(updated.pending).toBeLessThan(afterLookups);
    let slices = 1;
    while (!updated.fill(200)) slices += 1;
    expect(slices).toBeGreaterThan(2);
    expect(updated.pending).toBe(0);
    for (const key of keys) expect(updated.candidates(key, 4)).toEqual(fresh.candidates(key, 4));
  });

  it('equals a built table through chained updates of tables still pending', () => {
    const random = seededRandom(7);
    let current = members(10);
    let ring = createTableRing([], { buckets: 512, depth: 3 }).update(current);
    for (let step = 0; step < 10; step++) {
      // Some buckets computed by lookups or a slice of fill, most still pending, then the next change.
      for (const key of keys.slice(step * 50, step * 50 + 50)) ring.candidates(key, 2);
      ring.fill(Math.floor(random() * 3000));
      if (random() < 0.5 && current.length > 3)
        current = current.filter((_, i) => i !== Math.floor(random() * current.length));
      else current = [...current, { id: `m${step}`, weight: 1 + Math.floor(random() * 2) }];
      ring = ring.update(current);
      const fresh = createTableRing(current, { buckets: 512, depth: 3 });
      for (const key of keys.slice(0, 600)) expect(ring.candidates(key, 3)).toEqual(fresh.candidates(key, 3));
    }
  });
});

describe('TableRing.bucketCounts', () => {
  it('counts every bucket once, by its first host, computing pending ones', () => {
    const ring = createTableRing([], { buckets: 2048 }).update(members(6));
    const counts = ring.bucketCounts();
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(2048);
    expect(ring.pending).toBe(0);
    const owners = keys.map((k) => ring.candidates(k, 1)[0]!);
    // Every host owns some buckets, and the keys follow the buckets' shares.
    for (const [id, n] of counts) {
      const share = owners.filter((o) => o === id).length / keys.length;
      expect(Math.abs(share - n / 2048)).toBeLessThan(0.04);
    }
  });
});
