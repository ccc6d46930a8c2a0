import type { TableRing } from './ring-table.ts';

/**
 * Work per turn of the event loop while a table fills, in host scores (a bucket also counts its own
 * overhead, `ring-table.ts`): ≈ 1.5 ms of CPU at ~30 ns a score, whatever the fleet size.
 */
export const RING_FILL_WORK = 50_000;

/** How a background fill went, for the caller's log and the benchmark. */
export interface FillReport {
  /** Turns of the event loop it took. */
  turns: number;
  /** Longest turn, ms. */
  longestTurnMs: number;
  /** From start to complete, ms. */
  elapsedMs: number;
}

/**
 * Computes the pending buckets of `ring` a slice at a time, one slice per turn of the event loop
 * (`setImmediate`: I/O callbacks, requests among them, run between slices), until it is complete or
 * the returned function cancels it (the ring was replaced). Lookups meanwhile compute their own
 * bucket, so routing never waits for the fill and never reads a stale table.
 */
export function fillInBackground(
  ring: TableRing,
  onDone?: (report: FillReport) => void,
  work = RING_FILL_WORK,
  /** Milliseconds the report is measured in (wall time by default; a benchmark may pass CPU time). */
  clock: () => number = () => performance.now(),
): () => void {
  let cancelled = false;
  let timer: NodeJS.Immediate | undefined;
  const report: FillReport = { turns: 0, longestTurnMs: 0, elapsedMs: 0 };
  const start = clock();
  const turn = () => {
    timer = undefined;
    if (cancelled) return;
    const t0 = clock();
    const done = ring.fill(work);
    const t1 = clock();
    report.turns += 1;
    report.longestTurnMs = Math.max(report.longestTurnMs, t1 - t0);
    if (done) {
      report.elapsedMs = t1 - start;
      onDone?.(report);
      return;
    }
    timer = setImmediate(turn);
  };
  if (ring.pending > 0) timer = setImmediate(turn);
  else onDone?.(report);
  return () => {
    cancelled = true;
    if (timer !== undefined) clearImmediate(timer);
  };
}
