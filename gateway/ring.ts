import { murmur3 } from './hash.ts';
import { rendezvousScore, ringPoints, SEED_A, SEED_B } from './ring-points.ts';

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

/**
 * Weighted rendezvous (highest-random-weight) hashing, logarithmic method (Schindelhauer & Schomaker
 * 2005; Resch's "weighted rendezvous"): score = -weight / ln(u), u uniform in (0,1) from a stable hash
 * of (key, host). A host wins with probability weight / Σweight; removing a host moves only its keys;
 * adding one moves ~1/(N+1) of them; the preference order is the sorted scores. The result depends only
 * on the member set, never on insertion order or on the process.
 */
export function createRing(members: readonly RingMember[]): Ring {
  const points = ringPoints(members);
  const frozen: readonly RingMember[] = Object.freeze(
    points.map((p) => Object.freeze({ id: p.id, weight: p.weight })),
  );
  const scores = new Float64Array(points.length);

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
          const s = rendezvousScore(points[i]!, ka, kb);
          if (s > bestScore) {
            bestScore = s;
            best = i;
          }
        }
        return [points[best]!.id];
      }
      for (let i = 0; i < points.length; i++) scores[i] = rendezvousScore(points[i]!, ka, kb);
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
