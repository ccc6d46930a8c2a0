import { parseDuration } from '../../config/duration.ts';
import { FleetgateError } from '../../lib/errors.ts';

/** A demand series: in-flight demand at points in time (ms), held until the next point. */
export interface DemandSeries {
  points: { t: number; demand: number }[];
  durationMs: number;
}

/** A load series file is unusable; the message names the file and the line. */
export class SeriesError extends FleetgateError {
  constructor(message: string) {
    super('SERIES_INVALID', message);
  }
}

function toTime(text: string, where: string): number {
  const trimmed = text.trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return Number(trimmed) * 1000;
  const parsed = parseDuration(trimmed);
  if (!parsed.ok) throw new SeriesError(`${where}: time ${parsed.message}`);
  return parsed.value;
}

function toDemand(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new SeriesError(`${where}: demand must be a number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

function finish(points: { t: number; demand: number }[], filename: string): DemandSeries {
  if (points.length === 0) throw new SeriesError(`${filename}: no points`);
  points.sort((a, b) => a.t - b.t);
  const last = points.at(-1)!.t;
  const step = points.length > 1 ? last - points.at(-2)!.t : 60_000;
  return { points, durationMs: last + step };
}

/**
 * Parses a load series: CSV with `time,demand` rows (an optional header; time in seconds or a
 * duration like `90s`), or JSON: `[{ "time": 0, "demand": 8 }, ...]` or `[[0, 8], ...]` (time in
 * seconds). Demand is in-flight requests. The run lasts one step past the last point.
 */
export function parseSeries(text: string, filename = 'series'): DemandSeries {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw new SeriesError(`${filename}: not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(data)) throw new SeriesError(`${filename}: JSON must be an array of points`);
    return finish(
      data.map((p, i) => {
        const where = `${filename}[${i}]`;
        if (Array.isArray(p)) return { t: toTime(String(p[0]), where), demand: toDemand(p[1], where) };
        if (p && typeof p === 'object' && 'time' in p && 'demand' in p) {
          return { t: toTime(String(p.time), where), demand: toDemand(p.demand, where) };
        }
        throw new SeriesError(`${where}: a point is { "time", "demand" } or [time, demand]`);
      }),
      filename,
    );
  }
  const points: { t: number; demand: number }[] = [];
  trimmed.split(/\r?\n/).forEach((line, i) => {
    const where = `${filename}:${i + 1}`;
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const cells = line.split(',');
    if (i === 0 && Number.isNaN(Number(cells[1]))) return; // header
    if (cells.length < 2) throw new SeriesError(`${where}: expected time,demand`);
    points.push({ t: toTime(cells[0]!, where), demand: toDemand(cells[1]!, where) });
  });
  return finish(points, filename);
}

/** A step-hold demand function over a series. */
export function demandOf(series: DemandSeries): (t: number) => number {
  const { points } = series;
  return (t) => {
    let lo = 0;
    let hi = points.length - 1;
    if (t < points[0]!.t) return points[0]!.demand;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (points[mid]!.t <= t) lo = mid;
      else hi = mid - 1;
    }
    return points[lo]!.demand;
  };
}

/**
 * The Azure Functions trace sample (traces/azure-a in the repository) as in-flight demand, by Little's law:
 * for each minute, Σ over functions of invocations/min × average duration / 60 s, times `scale`.
 * Durations of 0 ms use a 1 ms floor (as the trace README says). The sample alone is 7–18 in
 * flight (one or two hosts at 8 per host), so benchmarks scale it (×10 by default: 74–179).
 */
export function azureDemand(invocationsCsv: string, durationsCsv: string, scale = 10): DemandSeries {
  const avg = new Map<string, number>();
  const [dHeader, ...dRows] = durationsCsv.trim().split(/\r?\n/);
  const avgCol = dHeader!.split(',').indexOf('avg_ms');
  if (avgCol < 0) throw new SeriesError('durations.csv: no avg_ms column');
  for (const row of dRows) {
    const cells = row.split(',');
    avg.set(cells[0]!, Math.max(1, Number(cells[avgCol])));
  }
  const [iHeader, ...iRows] = invocationsCsv.trim().split(/\r?\n/);
  const first = iHeader!.split(',').indexOf('m1');
  if (first < 0) throw new SeriesError('invocations.csv: no m1 column');
  const minutes = iHeader!.split(',').length - first;
  const inflight = new Array<number>(minutes).fill(0);
  for (const row of iRows) {
    const cells = row.split(',');
    const ms = avg.get(cells[0]!);
    if (ms === undefined) throw new SeriesError(`durations.csv: no row for ${cells[0]}`);
    for (let m = 0; m < minutes; m++) inflight[m]! += (Number(cells[first + m]) * ms) / 60_000;
  }
  return {
    points: inflight.map((d, m) => ({ t: m * 60_000, demand: d * scale })),
    durationMs: minutes * 60_000,
  };
}
