import type { Ring } from './ring.ts';

/**
 * A ring that remembers the full preference order of recently seen keys: a runtime's requests all
 * ask for the same order until the fleet changes, and the fleet replaces the ring (and so this cache)
 * whenever it does. Orders are frozen: callers must not mutate them.
 *
 * Two generations of at most `maxEntries / 2` keys each (at most `maxEntries` in all): a key is looked
 * up in the current one, then in the previous one (and moved to the current one); when the current one
 * is full it becomes the previous one and the oldest generation is dropped whole. Evicting one key at a
 * time from the front of a Map (FIFO) made V8 walk the deleted entries on every eviction: with many
 * more runtime ids than entries (1 M ids, Zipf demand) a pick cost 3× an uncached one
 * (`bench/ring/scale.ts`).
 */
export function cachedRing(ring: Ring, maxEntries: number): Ring {
  const half = Math.max(1, Math.floor(maxEntries / 2));
  let current = new Map<string, readonly string[]>();
  let previous = new Map<string, readonly string[]>();
  const remember = (key: string, order: readonly string[]) => {
    if (current.size >= half) {
      previous = current;
      current = new Map();
    }
    current.set(key, order);
  };
  return {
    members: ring.members,
    candidates(key: string, n?: number): string[] {
      if (n !== undefined) return ring.candidates(key, n);
      let order = current.get(key);
      if (order !== undefined) return order as string[];
      order = previous.get(key);
      if (order === undefined) order = Object.freeze(ring.candidates(key));
      remember(key, order);
      return order as string[];
    },
  };
}
