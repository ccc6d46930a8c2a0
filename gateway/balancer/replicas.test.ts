import { describe, expect, it } from 'vitest';
import { ReplicaTable } from './replicas.ts';

const policy = { perHost: 8, maxReplicas: 4, windowMs: 1000, tableSize: 3 };

/** Observes `key` with `inflight` every 100 ms from `from` for `ms`; returns the counts seen. */
function hold(t: ReplicaTable, key: string, inflight: number, from: number, ms: number): number[] {
  const seen: number[] = [];
  for (let now = from; now < from + ms; now += 100) seen.push(t.observe(key, inflight, now));
  return seen;
}

describe('ReplicaTable', () => {
  it('keeps one owner for a runtime with at most half a host in flight, untracked', () => {
    const t = new ReplicaTable(policy);
    expect(hold(t, 'tail', 4, 0, 5000).every((r) => r === 1)).toBe(true);
    expect(t.size).toBe(0);
  });

  it('grows to ceil(demand ÷ perHost) under sustained demand, capped at maxReplicas', () => {
    const t = new ReplicaTable(policy);
    expect(hold(t, 'hot', 20, 0, 10_000).at(-1)).toBe(3);
    expect(hold(t, 'hot', 100, 10_000, 10_000).at(-1)).toBe(4);
  });

  it('does not grow on a burst shorter than the window', () => {
    const t = new ReplicaTable(policy);
    hold(t, 'rt', 6, 0, 5000); // tracked, demand ≈ 6
    expect(hold(t, 'rt', 12, 5000, 300).at(-1)).toBe(1); // 300 ms at 12: the average stays under 8
  });

  it('shrinks one step at a time, only well below the threshold (no flapping at a boundary)', () => {
    const t = new ReplicaTable(policy);
    hold(t, 'hot', 20, 0, 10_000); // 3 owners
    // 15 in flight: below 2 × 8 but above 2 × 8 × 0.6 → stays at 3
    expect(hold(t, 'hot', 15, 10_000, 10_000).every((r) => r === 3)).toBe(true);
    // Demand oscillating around 16 never flaps
    const around: number[] = [];
    for (let i = 0; i < 40; i++) around.push(...hold(t, 'hot', i % 2 === 0 ? 17 : 15, 20_000 + i * 500, 500));
    expect(new Set(around)).toEqual(new Set([3]));
    // 5 in flight for long: above 8 × 0.6, so 2 owners stay; 3 in flight: back to 1
    expect(hold(t, 'hot', 5, 40_000, 20_000).at(-1)).toBe(2);
    expect(hold(t, 'hot', 3, 60_000, 20_000).at(-1)).toBe(1);
    expect(t.replicas('hot')).toBe(1);
    // 1 in flight: below a quarter of a host, forgotten
    hold(t, 'hot', 1, 80_000, 20_000);
    expect(t.size).toBe(0);
  });

  it('tracks at most tableSize runtimes, replacing the one with the lowest demand by a busier one', () => {
    const t = new ReplicaTable(policy);
    for (const [i, key] of ['a', 'b', 'c'].entries()) hold(t, key, 10 + i, i * 10_000, 10_000);
    expect(t.size).toBe(3);
    t.observe('quiet', 5, 30_000); // below every tracked demand: not admitted
    expect(t.size).toBe(3);
    expect(t.replicas('quiet')).toBe(1);
    hold(t, 'd', 40, 30_000, 10_000); // busier than a, which decayed: replaces it
    expect(t.size).toBe(3);
    expect(t.replicas('d')).toBe(4);
    expect(t.replicas('a')).toBe(1);
  });

  describe('with the fleet load (pack at low load, spread at high load)', () => {
    const fleet = (total: number) => ({ total, hosts: 4, loadFactor: 1.25, floor: 4 });

    it('keeps perHost as the unit while the cap sits at its floor', () => {
      const t = new ReplicaTable(policy);
      // 10 in flight on 4 hosts: cap 1.25 × 11 ÷ 4 ≈ 3.4, under the floor of 4
      expect(t.unit(fleet(10), 0)).toBe(8);
      let r = 0;
      for (let now = 0; now < 10_000; now += 100) r = t.observe('rt', 6, now, fleet(10));
      expect(r).toBe(1);
    });

    it('gives an owner per half cap of demand at high load, never more demand per owner than perHost', () => {
      const t = new ReplicaTable(policy);
      let r = 0;
      // 40 in flight on 4 hosts: cap 1.25 × 41 ÷ 4 ≈ 12.8, an owner takes 6.4; a runtime with 12 wants 2
      for (let now = 0; now < 10_000; now += 100) r = t.observe('rt', 12, now, fleet(40));
      expect(t.unit(fleet(40), 10_000)).toBeCloseTo(6.4, 1);
      expect(r).toBe(2);
      // 200 in flight: half the cap (31) is more than a host's 8 slots for one runtime: perHost rules
      const u = new ReplicaTable(policy);
      for (let now = 0; now < 20_000; now += 100) r = u.observe('rt', 20, now, fleet(200));
      expect(u.unit(fleet(200), 20_000)).toBe(8);
      expect(r).toBe(3);
    });

    it('averages the fleet load, so a short swing of the total neither grows nor flaps the count', () => {
      const t = new ReplicaTable(policy);
      const seen: number[] = [];
      for (let now = 0; now < 10_000; now += 100) seen.push(t.observe('rt', 9, now, fleet(40)));
      expect(seen.at(-1)).toBe(2);
      // The total swings between 20 and 60 every 200 ms: the unit moves little, the count stays
      const swing: number[] = [];
      for (let now = 10_000; now < 20_000; now += 100)
        swing.push(t.observe('rt', 9, now, fleet(Math.floor(now / 200) % 2 === 0 ? 20 : 60)));
      expect(new Set(swing)).toEqual(new Set([2]));
    });
  });
});
