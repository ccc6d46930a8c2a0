/** What the keeper knows of one runtime's copies when it looks for surplus ones. */
export interface CopiesView {
  /** Active hosts where the runtime is warm. */
  warm: readonly string[];
  /** The runtime's active hosts in ring order (the order the pick tries them in). */
  order: readonly string[];
  /** Copies the pick needs: 1, or the owners replication gives the runtime now. */
  keep: number;
  /** When each copy last ended a call or was created (ms); a copy missing here is never trimmed. */
  lastUsed: ReadonlyMap<string, number>;
  /** Whether a call of the runtime runs anywhere now (this gateway or another of the pool). */
  running: boolean;
  now: number;
  /** How long a surplus copy must have served nothing before it is trimmed, ms. */
  surplusIdle: number;
}

/**
 * The copies of a wanted runtime to delete: those warm beyond the `keep` hosts the pick would send
 * it to (it prefers warm hosts in ring order, so the first `keep` warm hosts in that order) that
 * have served no call for `surplusIdle` — an overflow copy after its burst, the old copy after a
 * move. None while a call of the runtime runs anywhere (no copy with requests in flight is
 * deleted). Pure.
 */
export function surplusCopies(v: CopiesView): string[] {
  if (v.running || v.warm.length <= Math.max(1, v.keep)) return [];
  const warm = new Set(v.warm);
  // Warm hosts in the pick's order; a warm host the ring does not list (yet) comes last.
  const ranked = [...v.order.filter((h) => warm.has(h)), ...v.warm.filter((h) => !v.order.includes(h))];
  return ranked.slice(Math.max(1, v.keep)).filter((h) => {
    const used = v.lastUsed.get(h);
    return used !== undefined && v.now - used >= v.surplusIdle;
  });
}
