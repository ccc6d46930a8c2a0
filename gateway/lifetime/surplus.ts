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
  return rankedCopies(v)
    .slice(Math.max(1, v.keep))
    .filter((h) => {
      const used = v.lastUsed.get(h);
      return used !== undefined && v.now - used >= v.surplusIdle;
    });
}

/** Warm hosts in the pick's order; a warm host the ring does not list (yet) comes last. Pure. */
function rankedCopies(v: Pick<CopiesView, 'warm' | 'order'>): string[] {
  const warm = new Set(v.warm);
  return [...v.order.filter((h) => warm.has(h)), ...v.warm.filter((h) => !v.order.includes(h))];
}

/**
 * Whether `host`'s copy is beyond the `keep` copies the pick prefers (`warm` counts it): a call it
 * answered is an overflow (the bounded loads sent it past the preferred copies). Pure.
 */
export function isSurplusCopy(v: Pick<CopiesView, 'warm' | 'order' | 'keep'>, host: string): boolean {
  const ranked = rankedCopies({ warm: v.warm.includes(host) ? v.warm : [...v.warm, host], order: v.order });
  return ranked.indexOf(host) >= Math.max(1, v.keep);
}
