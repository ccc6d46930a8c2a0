import { fmix32, murmur3 } from './hash.ts';
import type { RingMember } from './ring.ts';

/** The two seeds of a rendezvous score: a key (or bucket) and a host each hash once per seed. */
export const SEED_A = 0x9747b28c;
export const SEED_B = 0x5bd1e995;
const TWO_POW_20 = 2 ** 20;
const TWO_POW_52 = 2 ** 52;

/** A ring member with its two hashes, ready to be scored. */
export interface RingPoint {
  id: string;
  weight: number;
  a: number;
  b: number;
}

/**
 * The members as scored points: the first of each id kept, every weight checked (a positive finite
 * number, else a RangeError naming the member), sorted by id so that ties and tables depend only on
 * the member set, never on insertion order.
 */
export function ringPoints(members: readonly RingMember[]): RingPoint[] {
  const seen = new Set<string>();
  const points: RingPoint[] = [];
  for (const m of members) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    if (!(m.weight > 0) || !Number.isFinite(m.weight)) {
      throw new RangeError(`ring member "${m.id}": weight must be a positive number, got ${m.weight}`);
    }
    points.push({ id: m.id, weight: m.weight, a: murmur3(m.id, SEED_A), b: murmur3(m.id, SEED_B) });
  }
  points.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return points;
}

/**
 * The weighted rendezvous score of `p` for a key whose two hashes are `ka` and `kb`:
 * -weight / ln(u), u uniform in (0, 1) from the pair's hashes (52 bits: never 0, never 1).
 */
export function rendezvousScore(p: RingPoint, ka: number, kb: number): number {
  const x = fmix32(ka ^ p.a);
  const y = fmix32((kb + p.b) ^ x);
  const u = (x * TWO_POW_20 + (y >>> 12) + 0.5) / TWO_POW_52;
  return -p.weight / Math.log(u);
}
