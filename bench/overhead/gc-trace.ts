/** One garbage collection, as V8's `--trace-gc-nvp` prints it (one line of name=value pairs). */
export interface GcEvent {
  /** `s` scavenge, `mmc` minor mark-compact, `ms` mark-sweep(-compact). */
  kind: string;
  pauseMs: number;
  /** Bytes allocated since the previous collection. */
  allocated: number;
  /** Bytes moved from the young to the old generation by this collection. */
  promoted: number;
  /** Bytes that survived in the young generation. */
  survived: number;
}

/** Totals of a window of collections. */
export interface GcTotals {
  scavenges: number;
  markCompacts: number;
  pauseMs: number;
  allocated: number;
  promoted: number;
  survived: number;
}

const FIELD = /(\w[\w.]*)=([^\s]+)/g;

/** Parses the `--trace-gc-nvp` lines of `text`; other lines (logs) are skipped. */
export function parseGcTrace(text: string): GcEvent[] {
  const events: GcEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(' gc=') || !line.includes('pause=')) continue;
    const f = new Map<string, string>();
    for (const m of line.matchAll(FIELD)) f.set(m[1]!, m[2]!);
    events.push({
      kind: f.get('gc') ?? '?',
      pauseMs: Number(f.get('pause') ?? 0),
      allocated: Number(f.get('allocated') ?? 0),
      promoted: Number(f.get('promoted') ?? 0),
      survived: Number(f.get('new_space_survived') ?? 0),
    });
  }
  return events;
}

/** Sums a window of collections: scavenges (`s`, `mmc`) apart from full ones (`ms`). */
export function gcTotals(events: readonly GcEvent[]): GcTotals {
  const t: GcTotals = { scavenges: 0, markCompacts: 0, pauseMs: 0, allocated: 0, promoted: 0, survived: 0 };
  for (const e of events) {
    if (e.kind === 'ms') t.markCompacts++;
    else t.scavenges++;
    t.pauseMs += e.pauseMs;
    t.allocated += e.allocated;
    t.promoted += e.promoted;
    t.survived += e.survived;
  }
  return t;
}
