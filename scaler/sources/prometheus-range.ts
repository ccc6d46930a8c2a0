/**
 * The pure parts of Prometheus range queries (`/api/v1/query_range`) for the forecaster's history:
 * the query asked, how a long range is split, and how the answer is read.
 */
import { parseSampleValue } from './reading.ts';
import type { RangePoint, RangeReading } from './types.ts';

/**
 * Prometheus refuses a range query of more than 11,000 points per series
 * (prometheus/web/api/v1/api.go: "exceeded maximum resolution of 11,000 points per timeseries"),
 * so longer ranges are asked in chunks of this many steps.
 */
export const MAX_POINTS = 10_000;

/**
 * The query whose value at each step is the peak of `expr` over that step: a subquery at the
 * server's evaluation interval under `max_over_time`, so a spike between two steps is not lost.
 */
export function peakQuery(expr: string, stepMs: number): string {
  return `max_over_time((${expr})[${Math.round(stepMs / 1000)}s:])`;
}

/** Splits [start, end] into ranges of at most {@link MAX_POINTS} steps, aligned to the step. */
export function rangeChunks(
  startMs: number,
  endMs: number,
  stepMs: number,
): { start: number; end: number }[] {
  const chunks: { start: number; end: number }[] = [];
  const first = Math.ceil(startMs / stepMs) * stepMs;
  for (let start = first; start <= endMs; start += MAX_POINTS * stepMs) {
    chunks.push({ start, end: Math.min(endMs, start + (MAX_POINTS - 1) * stepMs) });
  }
  return chunks;
}

/**
 * Reads a `query_range` answer (pure): a matrix of exactly one series. No series is `empty`, several
 * are `severalSeries` (aggregate the query), and non-finite values are left out (a gap, never zero).
 */
export function parseRangeResponse(status: number, text: string): RangeReading {
  let body: {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: status >= 300 ? 'httpError' : 'badResponse',
      detail: `HTTP ${status}: ${text.slice(0, 200)}`,
    };
  }
  if (body?.status === 'error') {
    return { ok: false, reason: 'queryError', detail: `${body.errorType ?? 'error'}: ${body.error ?? ''}` };
  }
  if (status < 200 || status >= 300)
    return { ok: false, reason: 'httpError', detail: `HTTP ${status}: ${text.slice(0, 200)}` };
  const result = body?.data?.result;
  if (body?.status !== 'success' || body.data?.resultType !== 'matrix' || !Array.isArray(result)) {
    return { ok: false, reason: 'badResponse', detail: `expected a matrix, got ${text.slice(0, 200)}` };
  }
  if (result.length === 0) return { ok: false, reason: 'empty', detail: 'the range query matched no series' };
  if (result.length > 1) {
    return {
      ok: false,
      reason: 'severalSeries',
      detail: `the range query returned ${result.length} series; aggregate it to one`,
    };
  }
  const values = (result[0] as { values?: unknown }).values;
  if (!Array.isArray(values)) return { ok: false, reason: 'badResponse', detail: 'a series without values' };
  const points: RangePoint[] = [];
  for (const pair of values) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
      return { ok: false, reason: 'badResponse', detail: `malformed sample ${JSON.stringify(pair)}` };
    }
    const value = parseSampleValue(pair[1]);
    if (value === undefined)
      return { ok: false, reason: 'badResponse', detail: `malformed value ${JSON.stringify(pair[1])}` };
    if (Number.isFinite(value)) points.push({ t: Math.round(pair[0] * 1000), value });
  }
  return { ok: true, points };
}
