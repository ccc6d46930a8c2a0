import { fmix32, murmur3 } from './hash.ts';

/** A host on the ring with its relative weight (> 0). */
export interface RingMember {
  id: string;
  weight: number;
}

/** Consistent placement of keys on hosts, in preference order. */
export interface Ring {
  readonly members: readonly RingMember[];
  /** Lookups of up to this many candidates cost the same at any N (a table ring); undefined: all score N. */
  readonly depth?: number;
  /** Up to `n` member ids (all when omitted) in preference order for `key`. */
  candidates(key: string, n?: number): string[];
}

const SEED_A = 0x9747b28c;
const SEED_B = 0x5bd1e995;
const TWO_POW_20 = 2 ** 20;
const TWO_POW_52 = 2 ** 52;

interface Point {
  id: string;
  weight: number;
  a: number;
  b: number;
}

/**
 * Weighted rendezvous (highest-random-weight) hashing, logarithmic method (Schindelhauer & Schomaker
 * 2005; Resch's "weighted rendezvous"): score = -weight / ln(u), u uniform in (0,1) from a stable hash
 * of (key, host). A host wins with probability weight / Σweight; removing a host moves only its keys;
 * adding one moves ~1/(N+1) of them; the preference order is the sorted scores. The result depends only
 * on the member set, never on insertion order or on the process.
 */
export function createRing(members: readonly RingMember[]): Ring {
  const seen = new Set<string>();
  const points: Point[] = [];
  for (const m of members) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    if (!(m.weight > 0) || !Number.isFinite(m.weight)) {
      throw new RangeError(`ring member "${m.id}": weight must be a positive number, got ${m.weight}`);
    }
    points.push({ id: m.id, weight: m.weight, a: murmur3(m.id, SEED_A), b: murmur3(m.id, SEED_B) });
  }
  // Sorting by id makes tie-breaks (practically never needed) independent of insertion order.
  points.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const frozen: readonly RingMember[] = Object.freeze(
    points.map((p) => Object.freeze({ id: p.id, weight: p.weight })),
  );
  const scores = new Float64Array(points.length);

  function score(p: Point, ka: number, kb: number): number {
    const x = fmix32(ka ^ p.a);
    const y = fmix32((kb + p.b) ^ x);
    // 52 bits of uniform randomness in (0, 1): never 0, never 1.
    const u = (x * TWO_POW_20 + (y >>> 12) + 0.5) / TWO_POW_52;
    return -p.weight / Math.log(u);
  }

  return {
    members: frozen,
    candidates(key: string, n = points.length): string[] {
      const count = Math.min(Math.max(0, Math.floor(n)), points.length);
      if (count === 0) return [];
      const ka = murmur3(key, SEED_A);
      const kb = murmur3(key, SEED_B);
      if (count === 1) {
        let best = 0;
        let bestScore = -1;
        for (let i = 0; i < points.length; i++) {
          const s = score(points[i]!, ka, kb);
          if (s > bestScore) {
            bestScore = s;
            best = i;
          }
        }
        return [points[best]!.id];
      }
      for (let i = 0; i < points.length; i++) scores[i] = score(points[i]!, ka, kb);
      const order = points.map((_, i) => i);
      order.sort((i, j) => scores[j]! - scores[i]! || i - j);
      return order.slice(0, count).map((i) => points[i]!.id);
    },
  };
}

/** Expected share of keys per member (weight / Σweight); sums to 1. */
export function ringShares(ring: Ring): Map<string, number> {
  const total = ring.members.reduce((sum, m) => sum + m.weight, 0);
  return new Map(ring.members.map((m) => [m.id, total > 0 ? m.weight / total : 0]));
}
