import { Agent, request } from 'undici';
import type { Clock } from '../../lib/clock.ts';
import { authorizationHeader, type SourceAuth, SourceConfigError } from './auth.ts';
import { ExpositionParseError, parseExposition } from './exposition.ts';
import { transportFailure } from './prometheus.ts';
import {
  evaluateQuery,
  type NamedSample,
  type ParsedQuery,
  parseQuery,
  UnsupportedQueryError,
} from './query.ts';
import { type RawSample, type SampleFailure, sampleSource } from './reading.ts';
import type { MetricSource } from './types.ts';

/** Where the gateways' metrics are. */
export interface GatewaySourceOptions {
  /** Each gateway's base URL (`/metrics` is appended) or full metrics URL. */
  urls: string[];
  /** Per-scrape timeout in milliseconds. */
  timeoutMs: number;
  /** Credentials for `/metrics` when the gateways protect it with a token. */
  auth?: SourceAuth | undefined;
  /** Staleness bound for samples that carry a timestamp (exposition lines rarely do). */
  maxAgeMs?: number;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * The embedded default source, no Prometheus needed: every read scrapes every gateway's `/metrics`,
 * labels each sample with `instance` (the gateway's host:port, as Prometheus would) and computes the
 * query in process over the union (the subset in query.ts: `sum(metric{label="v"})`, `max`, `min`,
 * `avg`, `count`, `by (…)`). One gateway that cannot be scraped makes the reading no data: a sum
 * over the gateways that answered would undercount and could scale the fleet down by mistake.
 */
export function createGatewaySource(options: GatewaySourceOptions): MetricSource {
  if (options.urls.length === 0) throw new SourceConfigError('source.gateway.urls: needs at least one URL');
  const targets = options.urls.map((raw) => {
    try {
      const url = new URL(raw);
      if (url.pathname === '/' || url.pathname === '') url.pathname = '/metrics';
      return url;
    } catch {
      throw new SourceConfigError(`source.gateway.urls: not a URL, got "${raw}"`);
    }
  });
  const authorization = authorizationHeader(options.auth, options.env ?? process.env);
  const dispatcher = new Agent({ connectTimeout: options.timeoutMs });

  async function scrape(url: URL): Promise<NamedSample[] | SampleFailure> {
    const headers: Record<string, string> = { accept: 'text/plain' };
    if (authorization) headers.authorization = authorization;
    let status: number;
    let text: string;
    try {
      const res = await request(url, { headers, signal: AbortSignal.timeout(options.timeoutMs), dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      const failure = transportFailure(error, options.timeoutMs);
      return { ...failure, detail: `${url.host}: ${failure.detail}` };
    }
    if (status !== 200) return { ok: false, reason: 'httpError', detail: `${url.host}: HTTP ${status}` };
    try {
      return parseExposition(text).map((s) => ({ ...s, labels: { ...s.labels, instance: url.host } }));
    } catch (error) {
      const message = error instanceof ExpositionParseError ? error.message : String(error);
      return { ok: false, reason: 'badResponse', detail: `${url.host}: ${message}` };
    }
  }

  async function run(expr: string): Promise<RawSample[] | SampleFailure> {
    let parsed: ParsedQuery;
    try {
      parsed = parseQuery(expr);
    } catch (error) {
      if (error instanceof UnsupportedQueryError) {
        return { ok: false, reason: 'unsupportedQuery', detail: error.message };
      }
      throw error;
    }
    const scraped = await Promise.all(targets.map(scrape));
    const all: NamedSample[] = [];
    for (const result of scraped) {
      if (!Array.isArray(result)) return result;
      all.push(...result);
    }
    return evaluateQuery(parsed, all);
  }

  return sampleSource('gateway', run, {
    clock: options.clock,
    maxAgeMs: options.maxAgeMs,
    close: () => dispatcher.close(),
  });
}
