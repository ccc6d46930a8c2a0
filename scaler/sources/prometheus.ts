import { Agent, errors, request } from 'undici';
import type { Clock } from '../../lib/clock.ts';
import { authorizationHeader, type SourceAuth, SourceConfigError } from './auth.ts';
import { parseRangeResponse, peakQuery, rangeChunks } from './prometheus-range.ts';
import { parseSampleValue, type RawSample, type SampleFailure, sampleSource } from './reading.ts';
import type { MetricSource, RangePoint } from './types.ts';

/** How to reach a Prometheus server's HTTP API. */
export interface PrometheusSourceOptions {
  /** Base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept). */
  url: string;
  /** Per-query timeout in milliseconds (connect + answer). */
  timeoutMs: number;
  /** `POST` sends the query form-encoded, for queries too long for a URL. */
  method?: 'GET' | 'POST';
  auth?: SourceAuth | undefined;
  /**
   * Staleness bound in milliseconds: a sample whose timestamp is older than this (by `clock`) is
   * `stale`. Prometheus stamps instant results with its evaluation time and drops series whose
   * target went away (stale markers → `empty`), so this catches a server whose clock or data lags.
   */
  maxAgeMs?: number;
  clock: Clock;
  /** Where `auth` variables are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The production metric source: PromQL instant queries (`/api/v1/query`). Error statuses, PromQL
 * errors, empty results, NaN/±Inf, several series and stale samples are "no data", never zero.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new SourceConfigError(`source.prometheus.url: not a URL, got "${options.url}"`);
  }
  const endpointOf = (api: string) => new URL(`${base.pathname.replace(/\/$/, '')}/api/v1/${api}`, base);
  const endpoint = endpointOf('query');
  const authorization = authorizationHeader(options.auth, options.env ?? process.env);
  const method = options.method ?? 'GET';
  const dispatcher = new Agent({ connectTimeout: options.timeoutMs });

  async function call(
    target: URL,
    params: Record<string, string>,
  ): Promise<{ status: number; text: string } | SampleFailure> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    const url = new URL(target);
    let body: string | undefined;
    if (method === 'GET') for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    else {
      body = new URLSearchParams(params).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    let text: string;
    let status: number;
    try {
      const res = await request(url, { method, headers, body, signal, dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      return transportFailure(error, options.timeoutMs);
    }
    return { status, text };
  }

  async function query(expr: string): Promise<RawSample[] | SampleFailure> {
    const got = await call(endpoint, { query: expr });
    return 'status' in got ? parseResponse(got.status, got.text) : got;
  }

  const source = sampleSource('prometheus', query, {
    clock: options.clock,
    maxAgeMs: options.maxAgeMs,
    close: () => dispatcher.close(),
  });
  const rangeEndpoint = endpointOf('query_range');
  return {
    ...source,
    async readRange(expr, startMs, endMs, stepMs) {
      const points: RangePoint[] = [];
      for (const chunk of rangeChunks(startMs, endMs, stepMs)) {
        const got = await call(rangeEndpoint, {
          query: peakQuery(expr, stepMs),
          start: String(chunk.start / 1000),
          end: String(chunk.end / 1000),
          step: `${stepMs / 1000}s`,
        });
        if (!('status' in got)) return got;
        const parsed = parseRangeResponse(got.status, got.text);
        if (!parsed.ok) return parsed;
        points.push(...parsed.points.filter((p) => p.t > (points.at(-1)?.t ?? Number.NEGATIVE_INFINITY)));
      }
      return { ok: true, points };
    },
  };
}

/** Maps a transport error to a reason (pure). */
export function transportFailure(error: unknown, timeoutMs: number): SampleFailure {
  const name = error instanceof Error ? error.name : '';
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    error instanceof errors.ConnectTimeoutError ||
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError
  ) {
    return { ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` };
  }
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: 'unreachable', detail: code ? `${code}: ${message}` : message };
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Turns an `/api/v1/query` answer into samples or a failure (pure). */
export function parseResponse(status: number, text: string): RawSample[] | SampleFailure {
  let body: ApiBody | undefined;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    body = undefined;
  }
  if (body?.status === 'error') {
    return { ok: false, reason: 'queryError', detail: `${body.errorType ?? 'error'}: ${body.error ?? ''}` };
  }
  if (status < 200 || status >= 300) {
    return { ok: false, reason: 'httpError', detail: `HTTP ${status}: ${text.slice(0, 200)}` };
  }
  if (body?.status !== 'success' || !body.data) {
    return { ok: false, reason: 'badResponse', detail: `not a Prometheus API answer: ${text.slice(0, 200)}` };
  }
  const { resultType, result } = body.data;
  if (resultType === 'scalar') {
    const sample = toSample({}, result);
    return sample ? [sample] : bad(text);
  }
  if (resultType !== 'vector' || !Array.isArray(result)) {
    return { ok: false, reason: 'badResponse', detail: `expected a vector or scalar, got ${resultType}` };
  }
  const samples: RawSample[] = [];
  for (const entry of result as Array<{ metric?: Record<string, string>; value?: unknown }>) {
    const sample = toSample(entry.metric ?? {}, entry.value);
    if (!sample) return bad(text);
    samples.push(sample);
  }
  return samples;
}

function toSample(labels: Record<string, string>, pair: unknown): RawSample | undefined {
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const [ts, raw] = pair as [unknown, unknown];
  if (typeof ts !== 'number' || typeof raw !== 'string') return undefined;
  const value = parseSampleValue(raw);
  if (value === undefined) return undefined;
  return { labels, value, timestampMs: Math.round(ts * 1000) };
}

function bad(text: string): SampleFailure {
  return { ok: false, reason: 'badResponse', detail: `malformed sample in ${text.slice(0, 200)}` };
}
