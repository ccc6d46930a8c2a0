import { z } from 'zod';
import { recordRecentIdle } from './forecast.ts';
import type { RuntimeHistory } from './policy.ts';

/** What one gateway saw of one runtime since its last batch. */
export interface RuntimeCalls {
  id: string;
  /** Calls that ended: [start, end], wall-clock ms. */
  calls: Array<[number, number]>;
  /** Calls running at the batch's time. */
  running: number;
  /** Its create fields, sealed (sealed-fields.ts), when this batch carries them. */
  fields?: string;
}

/** One gateway's observations over one interval, as appended to the shared log. */
export interface CallBatch {
  gateway: string;
  /** When it was taken, wall-clock ms. */
  at: number;
  runtimes: RuntimeCalls[];
  /**
   * Where runtimes became warm (a call answered there, a pre-warm) or went (a keep-warm delete), in
   * order: [runtime id, host id, 1 warm | 0 gone]. The other gateways' placement follows it.
   */
  placed: Array<[string, string, 0 | 1]>;
}

const batchSchema = z.object({
  v: z.literal(1),
  g: z.string().min(1).max(200),
  at: z.number().finite(),
  r: z
    .array(
      z.object({
        id: z.string().min(1).max(1024),
        c: z.array(z.tuple([z.number().finite(), z.number().finite()])).max(10_000),
        n: z.number().int().min(0),
        f: z.string().max(1_000_000).optional(),
      }),
    )
    .max(100_000),
  p: z
    .array(
      z.tuple([
        z.string().min(1).max(1024),
        z.string().min(1).max(1024),
        z.union([z.literal(0), z.literal(1)]),
      ]),
    )
    .max(100_000)
    .default([]),
});

/** The wire form of a batch (short names: it is written every interval). */
export function encodeBatch(b: CallBatch): string {
  return JSON.stringify({
    v: 1,
    g: b.gateway,
    at: b.at,
    r: b.runtimes.map((r) => ({ id: r.id, c: r.calls, n: r.running, ...(r.fields ? { f: r.fields } : {}) })),
    p: b.placed,
  });
}

/** A batch read back, or undefined when it is not one (another version, a corrupt entry). */
export function decodeBatch(text: string): CallBatch | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = batchSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const b = parsed.data;
  return {
    gateway: b.g,
    at: b.at,
    runtimes: b.r.map((r) => ({
      id: r.id,
      calls: r.c,
      running: r.n,
      ...(r.f === undefined ? {} : { fields: r.f }),
    })),
    placed: b.p,
  };
}

/**
 * Collects this gateway's calls between two batches. Bounded: at most `maxRuntimes` runtimes and
 * `maxCalls` calls each per batch (past that the latest call replaces the one before it, so the idle
 * time before the next batch's first call stays right). Pure.
 */
export class Outbox {
  private calls = new Map<string, Array<[number, number]>>();
  private fields = new Map<string, string>();
  /** `<runtime>\0<host>` → [runtime, host, warm]: the latest word on each pair, in the order last changed. */
  private placed = new Map<string, [string, string, 0 | 1]>();

  constructor(
    private readonly maxRuntimes: number,
    private readonly maxCalls = 64,
  ) {}

  /** A call of `id` ran from `start` to `end`. */
  ended(id: string, start: number, end: number): void {
    let list = this.calls.get(id);
    if (list === undefined) {
      if (this.calls.size >= this.maxRuntimes) return;
      list = [];
      this.calls.set(id, list);
    }
    if (list.length >= this.maxCalls) list.pop();
    list.push([start, end]);
  }

  /** `id` became warm on `host` (`warm`), or was deleted there. */
  place(id: string, host: string, warm: boolean): void {
    const key = `${id}\u0000${host}`;
    const flag = warm ? 1 : 0;
    const known = this.placed.get(key);
    if (known !== undefined && known[2] === flag) return;
    this.placed.delete(key);
    if (this.placed.size >= this.maxRuntimes) return;
    this.placed.set(key, [id, host, flag]);
  }

  /** Sends `id`'s sealed create fields with the next batch. */
  withFields(id: string, sealed: string): void {
    if (this.fields.size < this.maxRuntimes || this.fields.has(id)) this.fields.set(id, sealed);
  }

  /** The batch of everything collected, plus the runtimes running now; undefined when it is empty. */
  take(gateway: string, at: number, running: ReadonlyMap<string, number>): CallBatch | undefined {
    const ids = new Set([...this.calls.keys(), ...this.fields.keys(), ...running.keys()]);
    if (ids.size === 0 && this.placed.size === 0) return undefined;
    const runtimes: RuntimeCalls[] = [];
    for (const id of ids) {
      const fields = this.fields.get(id);
      runtimes.push({
        id,
        calls: this.calls.get(id) ?? [],
        running: running.get(id) ?? 0,
        ...(fields === undefined ? {} : { fields }),
      });
    }
    const placed = [...this.placed.values()];
    this.calls = new Map();
    this.fields = new Map();
    this.placed = new Map();
    return { gateway, at, runtimes, placed };
  }
}

/**
 * Merges a call another gateway saw into a runtime's history: the idle time since the last call
 * known here goes to the histogram when the call started after it and none runs here; the last call
 * time moves forward only. A call that arrives after a later one was merged adds no idle time (the
 * cost of batching: an idle time across two batches read out of order is lost, not invented). Pure.
 */
export function mergeCall(history: RuntimeHistory, start: number, end: number): void {
  const last = history.lastCallAt;
  if (history.running === 0 && last !== undefined && start > last) {
    history.histogram.record(start - last);
    recordRecentIdle(history.recent, start - last);
  }
  if (last === undefined || end > last) history.lastCallAt = end;
}

/** Every call of the batches (other gateways' only), oldest start first, for {@link mergeCall}. */
export function callsInOrder(
  batches: readonly CallBatch[],
  self: string,
): Array<{ id: string; start: number; end: number }> {
  const out: Array<{ id: string; start: number; end: number }> = [];
  for (const b of batches) {
    if (b.gateway === self) continue;
    for (const r of b.runtimes) for (const [start, end] of r.calls) out.push({ id: r.id, start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}
