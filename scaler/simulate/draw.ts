import { seededRandom } from '../../lib/random.ts';

/**
 * A draw that depends on (seed, t's slot of `slotMs`) alone, not on the order of calls: the first
 * value of a fresh seeded generator per slot, uniform in [−1, 1). A scenario's demand then reads the
 * same at a given second whatever ran before it in the same process.
 */
export function slotNoise(seed: number, slotMs: number): (t: number) => number {
  return (t) => 2 * seededRandom((seed * 1_000_003) ^ Math.floor(t / slotMs))() - 1;
}
