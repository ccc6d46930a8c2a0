import { describe, expect, it } from 'vitest';
import type { Ring } from '../ring.ts';
import { createTableRing } from '../ring-table.ts';
import { type HostLoad, type PickInput, type PickResult, pick } from './pick.ts';

/** Deterministic uniform [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same ring seen without its table depth: every lookup asks for the full order. */
function fullOnly(ring: Ring): Ring {
  return { members: ring.members, candidates: (key, n) => ring.candidates(key, n) };
}

/** The whole try order of a result, the hosts past the prefix included. */
function whole(result: PickResult): string[] {
  return result.rest === undefined ? result.order : [...result.order, ...result.rest()];
}

describe('pick on the table ring prefix', () => {
  const N = 40;
  const ids = Array.from({ length: N }, (_, i) => `h${i}`);
  const ring = createTableRing(
    ids.map((id, i) => ({ id, weight: 1 + (i % 3) })),
    { buckets: 1024, depth: 4 },
  );

  it('reads only the prefix when its first host is free', () => {
    const hosts: HostLoad[] = ids.map((id) => ({ id, state: 'active', healthy: true, inflight: 0 }));
    const result = pick({
      key: 'rt-1',
      addressing: 'anycast-efficient',
      hosts,
      ring,
      isWarm: () => false,
      warmHosts: () => [],
      loadFactor: 1.25,
      random: () => 0.5,
    });
    expect(result.order).toEqual(ring.candidates('rt-1', 4));
    expect(result.rest).toBeDefined();
    expect(whole(result)).toEqual(ring.candidates('rt-1'));
  });

  it('gives the same host, reason and try order as the full order, over random fleets', () => {
    const random = seeded(15);
    let prefixOnly = 0;
    for (let round = 0; round < 3000; round++) {
      const key = `rt-${round % 200}`;
      const order = ring.candidates(key);
      // Loads around the cap; some hosts down, draining or already tried; warm hosts near the front.
      const hosts: HostLoad[] = ids.map((id) => ({
        id,
        state: random() < 0.05 ? 'draining' : 'active',
        healthy: random() > 0.05,
        inflight: Math.floor(random() * 6),
      }));
      const warm = new Set<string>();
      const warmCount = Math.floor(random() * 4);
      for (let w = 0; w < warmCount; w++) warm.add(order[Math.floor(random() * random() * N)]!);
      const exclude = new Set(random() < 0.2 ? [order[0]!] : []);
      const runtime = new Map(ids.map((id) => [id, Math.floor(random() * 3)]));
      const replicated = random() < 0.5;
      const base: PickInput = {
        key,
        addressing: 'anycast-efficient',
        hosts,
        ring,
        isWarm: (id) => warm.has(id),
        loadFactor: 1 + random(),
        loadFloor: 1 + Math.floor(random() * 3),
        random: () => 0.5,
        exclude,
        ...(replicated
          ? {
              replication: {
                perHost: 2,
                replicas: 1 + Math.floor(random() * 6),
                runtimeLoadOf: (id: string) => runtime.get(id) ?? 0,
                movableLoadOf: (id: string) => (runtime.get(id) ?? 0) % 2,
              },
            }
          : {}),
      };
      const full = pick({ ...base, ring: fullOnly(ring) });
      const fast = pick({ ...base, warmHosts: () => [...warm] });
      expect(fast.reason).toBe(full.reason);
      expect(fast.warm).toBe(full.warm);
      expect(fast.replicated).toBe(full.replicated);
      expect(whole(fast)).toEqual(full.order);
      if (fast.rest !== undefined) prefixOnly += 1;
    }
    // Both paths were exercised (loads here sit near the cap, so many picks fall back).
    expect(prefixOnly).toBeGreaterThan(500);
    expect(prefixOnly).toBeLessThan(3000);
  });
});
