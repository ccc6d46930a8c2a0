import type { Ring } from './ring.ts';

/**
 * A ring that remembers the full preference order of recently seen keys (a bounded FIFO map): a
 * runtime's requests all ask for the same order until the fleet changes, and the fleet replaces the
 * ring (and so this cache) whenever it does. Orders are frozen: callers must not mutate them.
 */
export function cachedRing(ring: Ring, maxEntries: number): Ring {
  const cache = new Map<string, readonly string[]>();
  return {
    members: ring.members,
    candidates(key: string, n?: number): string[] {
      if (n !== undefined) return ring.candidates(key, n);
      let order = cache.get(key);
      if (order === undefined) {
        order = Object.freeze(ring.candidates(key));
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(key, order);
      }
      return order as string[];
    },
  };
}
