import { mean, quantile } from '../lib/stats.ts';
import type { RequestRecord } from './client.ts';

/** p50 and p99 of one stretch of a request's life, ms. */
export interface Quantiles {
  p50: number;
  p99: number;
}

/**
 * Where the successful requests' time went, from the client's clock and the executor's answer:
 * `toExecutor` from the scheduled send time to the executor's handler (the client's own lag, the
 * router, the connection to the executor, the executor's event loop), `executor` the executor's own
 * duration (cold start, slot wait, execution), `back` the rest (the answer's way back).
 */
export interface TimeSplit {
  /** Successful requests with an executor `startTime` (the split is over them). */
  requests: number;
  toExecutor: Quantiles;
  executor: Quantiles;
  back: Quantiles;
  /** Latency minus the executor's duration: everything outside the executor. */
  outside: Quantiles;
  /** Mean latency (from the scheduled send time) and mean executor duration, ms. */
  meanLatency: number;
  meanExecutor: number;
}

/** The split of `records` (pure). */
export function splitTime(records: readonly RequestRecord[]): TimeSplit {
  const ok = records.filter(
    (r) => r.error === undefined && r.arrived !== undefined && r.executorMs !== undefined,
  );
  const q = (f: (r: RequestRecord) => number): Quantiles => {
    const values = ok.map(f);
    return { p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
  };
  return {
    requests: ok.length,
    toExecutor: q((r) => r.arrived! - r.at),
    executor: q((r) => r.executorMs!),
    back: q((r) => r.end - r.arrived! - r.executorMs!),
    outside: q((r) => r.end - r.at - r.executorMs!),
    meanLatency: mean(ok.map((r) => r.end - r.at)),
    meanExecutor: mean(ok.map((r) => r.executorMs!)),
  };
}

/** CPU and event-loop figures of one process over a run, from its `/metrics` before and after. */
export interface ProcessLoad {
  /** `process_cpu_seconds_total` after − before. */
  cpuSeconds: number;
  /** `nodejs_eventloop_lag_max_seconds` at the end (prom-client resets it at each scrape), ms. */
  eventLoopLagMaxMs: number;
  /** `nodejs_eventloop_lag_p99_seconds` at the end, ms. */
  eventLoopLagP99Ms: number;
}

/** One sample of `name` (no labels) in a Prometheus exposition; NaN when absent. */
export function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} ([-+\\d.eE]+|NaN)`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

/** The load of a process between two scrapes of its `/metrics`. */
export function processLoad(before: string, after: string): ProcessLoad {
  const cpu = (t: string) => metricValue(t, 'process_cpu_seconds_total');
  return {
    cpuSeconds: cpu(after) - cpu(before),
    eventLoopLagMaxMs: metricValue(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
    eventLoopLagP99Ms: metricValue(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
  };
}

/** What the time table needs of one run. */
export interface TimedRun {
  round: number;
  target: string;
  time: TimeSplit;
  /** The router's own process (Fleetgate only). */
  routerLoad?: ProcessLoad | undefined;
  /** The executors' CPU over the run (a killed one until its last scrape), s. */
  executorCpuSeconds: number;
  /** The router's own request and upstream times (Fleetgate). */
  routerTimes?: RouterTimes | undefined;
  /** Connections dropped at a full accept queue on the machine during the run. */
  listenOverflows: number;
}

/** `median (min–max)` over runs, or the one value. */
type Spread = (values: readonly number[], digits: number) => string;

/**
 * "Where the time went" for one workload: per router, the split of the successful requests' latency
 * and the processes' CPU (`spread` formats a figure over the runs of a router).
 */
export function timeTable(
  title: string,
  runs: readonly TimedRun[],
  spread: Spread,
): { title: string; columns: string[]; rows: (string | number | null)[][] } {
  const targets = [...new Set(runs.map((r) => r.target))];
  return {
    title,
    columns: [
      'router',
      'to the executor p50 / p99 ms',
      'in the executor p50 / p99 ms',
      'back p50 / p99 ms',
      'outside the executor p50 / p99 ms',
      'mean ms: client / gateway handler / gateway to headers / executor',
      'router CPU s',
      'router event-loop lag max ms',
      'executors CPU s',
      'listen overflows (machine)',
    ],
    rows: targets.map((target) => {
      const mine = runs.filter((r) => r.target === target);
      const of = (f: (r: TimedRun) => number, digits = 0) => spread(mine.map(f), digits);
      const pair = (f: (r: TimedRun) => Quantiles) => `${of((r) => f(r).p50)} / ${of((r) => f(r).p99)}`;
      const router = mine.every((r) => r.routerLoad !== undefined);
      return [
        target,
        pair((r) => r.time.toExecutor),
        pair((r) => r.time.executor),
        pair((r) => r.time.back),
        pair((r) => r.time.outside),
        [
          of((r) => r.time.meanLatency),
          mine.every((r) => r.routerTimes !== undefined) ? of((r) => r.routerTimes!.requestMeanMs) : '–',
          mine.every((r) => r.routerTimes !== undefined)
            ? of((r) => r.routerTimes!.upstreamHeadersMeanMs)
            : '–',
          of((r) => r.time.meanExecutor),
        ].join(' / '),
        router ? of((r) => r.routerLoad!.cpuSeconds, 2) : '–',
        router ? of((r) => r.routerLoad!.eventLoopLagMaxMs) : '–',
        of((r) => r.executorCpuSeconds, 2),
        of((r) => r.listenOverflows),
      ];
    }),
  };
}

/** CPU seconds the executors used between the first and the last snapshot each answered. */
export function executorCpu(snapshots: readonly Map<string, { cpuSeconds: number } | undefined>[]): number {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const s of snapshots)
    for (const [host, m] of s) {
      if (m === undefined) continue;
      if (!first.has(host)) first.set(host, m.cpuSeconds);
      last.set(host, m.cpuSeconds);
    }
  let sum = 0;
  for (const [host, v] of last) sum += v - first.get(host)!;
  return sum;
}

/**
 * Every `fleetgate_gateway_*_total` sample of an exposition by name and labels (picks by reason,
 * retries, upstream errors by kind, …), for the results' JSON.
 */
export function gatewayCounters(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(fleetgate_gateway_\w+_total(?:\{[^}]*\})?) ([-+\d.eE]+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The router's own view of the requests of a run, from its duration histograms (Fleetgate). */
export interface RouterTimes {
  /** Mean time from the request reaching the gateway's handler to its answer's end, ms. */
  requestMeanMs: number;
  /** Mean time from an attempt's dispatch to the executor's response headers, ms. */
  upstreamHeadersMeanMs: number;
  requests: number;
}

/** Means of the gateway's request and upstream histograms between two scrapes (pure). */
export function routerTimes(before: string, after: string): RouterTimes {
  const delta = (name: string) => metricSum(after, name) - metricSum(before, name);
  const requests = delta('fleetgate_gateway_request_duration_seconds_count');
  return {
    requestMeanMs: (delta('fleetgate_gateway_request_duration_seconds_sum') / requests) * 1000,
    upstreamHeadersMeanMs:
      (delta('fleetgate_gateway_upstream_duration_seconds_sum') /
        delta('fleetgate_gateway_upstream_duration_seconds_count')) *
      1000,
    requests,
  };
}

/** Sum of every sample of `name` (any labels). */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([-+\\d.eE]+)$`, 'gm')))
    sum += Number(m[1]);
  return sum;
}

/**
 * `TcpExt: ListenOverflows` of a `/proc/net/netstat` text: connections the kernel dropped because a
 * listener's accept queue was full (the client retransmits its SYN after 1 s, then 3 s, 7 s in all).
 * NaN when the text has no such field.
 */
export function listenOverflows(netstat: string): number {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return Number.NaN;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const i = names.indexOf('ListenOverflows');
  return i < 0 ? Number.NaN : Number(values[i]);
}
