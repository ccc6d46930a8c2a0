import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, errors, Pool } from 'undici';
import type { LoadEvent } from './plan.ts';
import { LoadReport, type LoadSummary, type RequestOutcome } from './report.ts';
import type { HttpRequest, RequestBuilder } from './request.ts';

/** A snapshot of a run in progress, for progress bars and live displays. */
export interface LoadProgress {
  elapsedMs: number;
  /** Planned length of the run. */
  totalMs: number;
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
  /** Completed requests per second over about the last second. */
  rps: number;
  /** p95 latency of successful requests so far, ms. */
  p95?: number;
}

/** Everything a load run needs; the HTTP client can be injected. */
export interface RunLoadOptions {
  /** Base URL of the gateway (or any executor-API server). */
  target: string;
  /** The requests, in time order. */
  plan: Iterable<LoadEvent>;
  /** Planned length of the run in ms (for progress only; the plan decides when sending stops). */
  durationMs: number;
  request: RequestBuilder;
  /** Per-request timeout (headers and body), ms. */
  timeoutMs: number;
  /** Requests outstanding at once; past this, a due request is skipped and counted, never queued. */
  maxInFlight: number;
  /** Keep-alive connections to the target (used when no dispatcher is given). */
  connections?: number;
  dispatcher?: Dispatcher;
  /** Response header naming the host that served (the gateway's `x-fleetgate-host`). */
  hostHeader?: string;
  /** Response header saying whether the route was cold (`1`/`true`) or warm, when the gateway sends one. */
  coldHeader?: string;
  onProgress?: (progress: LoadProgress) => void;
  progressIntervalMs?: number;
  /** Aborting stops sending at once; requests in flight still finish (or time out). */
  signal?: AbortSignal;
  /** Aborting abandons the requests in flight too (counted as `aborted`). */
  abandon?: AbortSignal;
}

/** Maps a thrown request error to a short, stable kind for the summary. */
export function errorKind(error: unknown): string {
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError)
    return 'timeout';
  if (error instanceof errors.RequestAbortedError) return 'aborted';
  if (error instanceof errors.SocketError) return 'socket';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return 'aborted';
  return 'error';
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function parseCold(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'cold') return true;
  if (v === '0' || v === 'false' || v === 'warm') return false;
  return undefined;
}

async function send(
  dispatcher: Dispatcher,
  req: HttpRequest,
  runtimeId: string,
  options: RunLoadOptions,
  signal: AbortSignal,
): Promise<RequestOutcome> {
  const started = performance.now();
  try {
    const res = await dispatcher.request({
      path: req.path,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal,
    });
    await res.body.arrayBuffer();
    const outcome: RequestOutcome = {
      runtimeId,
      latencyMs: performance.now() - started,
      status: res.statusCode,
    };
    const host = header(res.headers, options.hostHeader ?? 'x-fleetgate-host');
    if (host) outcome.host = host;
    const cold = options.coldHeader ? parseCold(header(res.headers, options.coldHeader)) : undefined;
    if (cold !== undefined) outcome.cold = cold;
    if (res.statusCode >= 400) outcome.error = `http_${res.statusCode}`;
    return outcome;
  } catch (error) {
    return { runtimeId, latencyMs: performance.now() - started, error: errorKind(error) };
  }
}

/**
 * Runs an open-loop load: every planned request is sent at its time whatever the server does
 * (no coordinated omission), and the summary counts what came back. Resolves after the last response.
 */
export async function runLoad(options: RunLoadOptions): Promise<LoadSummary> {
  const dispatcher =
    options.dispatcher ??
    new Pool(options.target, { connections: options.connections ?? 256, pipelining: 1 });
  const report = new LoadReport();
  const inFlight = new Set<Promise<void>>();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const abandon = options.abandon ?? new AbortController().signal;
  // Every request in flight listens on it: lift Node's leak warning (10 listeners) to the real bound.
  setMaxListeners(options.maxInFlight + 16, abandon);

  const start = performance.now();
  // Completed counts of the last second or so: the live rate is taken over ~1 s, not one tick.
  const history: Array<{ at: number; completed: number }> = [{ at: start, completed: 0 }];
  const emitProgress = () => {
    if (!options.onProgress) return;
    const now = performance.now();
    while (history.length > 1 && now - history[1]!.at >= 1000) history.shift();
    const oldest = history[0]!;
    const seconds = Math.max(0.001, (now - oldest.at) / 1000);
    const progress: LoadProgress = {
      elapsedMs: now - start,
      totalMs: options.durationMs,
      sent: report.sent,
      completed: report.done,
      errors: report.failed,
      inFlight: inFlight.size,
      rps: (report.done - oldest.completed) / seconds,
    };
    const p95 = report.quantile(0.95);
    if (p95 !== undefined) progress.p95 = p95;
    history.push({ at: now, completed: report.done });
    options.onProgress(progress);
  };
  const ticker = options.onProgress
    ? setInterval(emitProgress, options.progressIntervalMs ?? 250)
    : undefined;

  try {
    for (const event of options.plan) {
      if (stop.signal.aborted) break;
      const wait = start + event.at - performance.now();
      if (wait > 1) {
        try {
          await sleep(wait, undefined, { signal: stop.signal });
        } catch {
          break;
        }
      }
      report.planned++;
      if (inFlight.size >= options.maxInFlight) {
        report.skipped++;
        continue;
      }
      report.sent++;
      const p: Promise<void> = send(dispatcher, options.request(event), event.runtimeId, options, abandon)
        .then((outcome) => report.add(outcome))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    if (!options.dispatcher) await dispatcher.close();
  }
  emitProgress();
  return report.summary(performance.now() - start);
}
