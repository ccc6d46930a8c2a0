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
});
