import { FleetgateError } from '../lib/errors.ts';
import { seededRandom } from '../lib/random.ts';
import type { LoadEvent } from './plan.ts';

/** One function of an Azure Functions 2019 trace sample: invocations per minute. */
export interface TraceFunction {
  id: string;
  perMinute: number[];
}

/** Execution-time percentiles of one function, in milliseconds (`durations.csv`). */
export interface TraceDurations {
  /** [percentile in 0..100, milliseconds], increasing in both. */
  points: Array<[number, number]>;
}

/** A parsed trace: invocation counts and, when the file was there, duration percentiles per function. */
export interface Trace {
  functions: TraceFunction[];
  durations: Map<string, TraceDurations>;
  minutes: number;
}

/** Thrown for a trace file that is not in the Azure 2019 sample format. */
export class TraceFormatError extends FleetgateError {
  constructor(message: string) {
    super('LOAD_TRACE_FORMAT', message);
  }
}

function rows(csv: string, file: string): { header: string[]; body: string[][] } {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new TraceFormatError(`${file}: empty file`);
  const header = lines[0]!.split(',').map((h) => h.trim());
  return { header, body: lines.slice(1).map((l) => l.split(',').map((c) => c.trim())) };
}

function number(value: string | undefined, file: string, line: number, column: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n < 0) {
    throw new TraceFormatError(
      `${file}:${line}: column ${column} must be a number ≥ 0, got "${value ?? ''}"`,
    );
  }
  return n;
}

/**
 * Parses `invocations.csv` (`function_id, app_id, trigger, m1 … mN`). Minute columns are found by
 * name (`m<number>`), so samples with a different window length parse too.
 */
export function parseInvocations(csv: string, file = 'invocations.csv'): TraceFunction[] {
  const { header, body } = rows(csv, file);
  const idColumn = header.indexOf('function_id');
  if (idColumn < 0) throw new TraceFormatError(`${file}: missing column function_id`);
  const minuteColumns = header.flatMap((h, i) => (/^m\d+$/.test(h) ? [i] : []));
  if (minuteColumns.length === 0) throw new TraceFormatError(`${file}: no minute columns (m1, m2, …)`);
  return body.map((cells, r) => ({
    id: cells[idColumn] ?? '',
    perMinute: minuteColumns.map((c) => number(cells[c], file, r + 2, header[c]!)),
  }));
}

const PERCENTILE_COLUMNS: Array<[string, number]> = [
  ['p0', 0],
  ['p1', 1],
  ['p25', 25],
  ['p50', 50],
  ['p75', 75],
  ['p99', 99],
  ['p100', 100],
];

/** Parses `durations.csv` (`function_id, avg_ms, p0, p1, p25, p50, p75, p99, p100, …`). */
export function parseDurations(csv: string, file = 'durations.csv'): Map<string, TraceDurations> {
  const { header, body } = rows(csv, file);
  const idColumn = header.indexOf('function_id');
  if (idColumn < 0) throw new TraceFormatError(`${file}: missing column function_id`);
  const columns = PERCENTILE_COLUMNS.map(([name, p]) => {
    const index = header.indexOf(name);
    if (index < 0) throw new TraceFormatError(`${file}: missing column ${name}`);
    return { name, p, index };
  });
  const out = new Map<string, TraceDurations>();
  body.forEach((cells, r) => {
    let previous = 0;
    const points = columns.map(({ name, p, index }): [number, number] => {
      // Percentiles of 30-second averages can be 0 ms or (rarely) non-monotonic; keep them ordered.
      previous = Math.max(previous, number(cells[index], file, r + 2, name));
      return [p, previous];
    });
    out.set(cells[idColumn] ?? '', { points });
  });
  return out;
}

/**
 * Draws one execution time from a function's percentiles: linear between the percentile points
 * (inverse CDF), never below `floorMs` (the trace has 0 ms percentiles; its README says use a floor).
 */
export function drawDuration(d: TraceDurations, u: number, floorMs = 1): number {
  const p = u * 100;
  const pts = d.points;
  for (let i = 1; i < pts.length; i++) {
    const [p0, v0] = pts[i - 1]!;
    const [p1, v1] = pts[i]!;
    if (p <= p1) {
      const f = p1 === p0 ? 1 : (p - p0) / (p1 - p0);
      return Math.max(floorMs, v0 + f * (v1 - v0));
    }
  }
  return Math.max(floorMs, pts[pts.length - 1]?.[1] ?? floorMs);
}

/** How a trace is replayed on this machine. */
export interface TracePlanOptions {
  /** Trace time runs this many times faster than wall time (60: one trace minute per second). */
  speedup: number;
  /** Every minute's count is multiplied by this (stochastic rounding keeps the expected count). */
  scale: number;
  /** First minute replayed, 1-based. */
  startMinute: number;
  /** Wall-clock length of the run in milliseconds; the replay stops at the end of the trace too. */
  durationMs: number;
  /** Execution times are multiplied by this (time compression usually shortens them too). */
  durationScale: number;
  /** Cap on one drawn execution time, in ms (the trace's p100 reaches minutes). */
  maxDurationMs: number;
  seed: number;
}

/** The number of invocations a trace holds per wall-clock second under `speedup`, averaged over a window. */
export function traceRate(trace: Trace, startMinute: number, minutes: number, speedup: number): number {
  let total = 0;
  const end = Math.min(trace.minutes, startMinute - 1 + minutes);
  for (const f of trace.functions) for (let m = startMinute - 1; m < end; m++) total += f.perMinute[m] ?? 0;
  const replayedMinutes = Math.max(0, end - (startMinute - 1));
  return replayedMinutes === 0 ? 0 : (total / replayedMinutes / 60) * speedup;
}

/**
 * The requests of a trace replay in time order. Each trace minute lasts 60 000 / speedup ms of wall
 * time; its invocations are spread uniformly at random inside it; each function is one runtime id.
 * Minutes are generated one at a time, so memory stays bounded on long replays.
 */
export function* tracePlan(trace: Trace, options: TracePlanOptions): Generator<LoadEvent> {
  if (!(options.speedup > 0)) throw new RangeError(`speedup must be > 0, got ${options.speedup}`);
  if (!(options.scale >= 0)) throw new RangeError(`scale must be ≥ 0, got ${options.scale}`);
  const random = seededRandom(options.seed);
  const minuteMs = 60_000 / options.speedup;
  for (let m = options.startMinute - 1; m < trace.minutes; m++) {
    const base = (m - (options.startMinute - 1)) * minuteMs;
    if (base >= options.durationMs) return;
    const events: LoadEvent[] = [];
    for (const f of trace.functions) {
      const expected = (f.perMinute[m] ?? 0) * options.scale;
      const count = Math.floor(expected) + (random() < expected - Math.floor(expected) ? 1 : 0);
      const durations = trace.durations.get(f.id);
      for (let i = 0; i < count; i++) {
        const at = base + random() * minuteMs;
        const event: LoadEvent = { at, runtimeId: f.id };
        if (durations) {
          const drawn = drawDuration(durations, random()) * options.durationScale;
          event.durationMs = Math.min(options.maxDurationMs, Math.max(1, Math.round(drawn)));
        }
        events.push(event);
      }
    }
    events.sort((a, b) => a.at - b.at);
    for (const e of events) {
      if (e.at >= options.durationMs) return;
      yield e;
    }
  }
}
