import type { ResultTable } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import type { WrkResult } from '../lib/wrk.ts';

/** One concurrency-1 wrk run against one target. */
export interface LatencySample extends WrkResult {
  target: string;
  round: number;
  /** Proxy CPU (user + system) per request at concurrency 1, µs; null for direct. */
  proxyCpuUsPerReq: number | null;
}

/**
 * The concurrency-1 table: p50/p90 of each target with one connection, and what each proxy adds at p50
 * over `direct`, as the median of per-round differences (direct and every proxy run in the same round).
 */
export function latencyTable(samples: LatencySample[], rounds: number, duration: number): ResultTable {
  const names = [...new Set(samples.map((s) => s.target))];
  const med = (name: string, f: (s: LatencySample) => number) =>
    median(
      samples
        .filter((s) => s.target === name)
        .map(f)
        .filter(Number.isFinite),
    );
  const cpu = (name: string) =>
    median(
      samples
        .filter((s) => s.target === name && s.proxyCpuUsPerReq !== null)
        .map((s) => s.proxyCpuUsPerReq as number),
    );
  const added = (name: string) => {
    const diffs: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const a = samples.find((s) => s.target === name && s.round === r);
      const d = samples.find((s) => s.target === 'direct' && s.round === r);
      if (a && d) diffs.push(a.p50Ms - d.p50Ms);
    }
    return median(diffs);
  };
  return {
    title: `Latency at concurrency 1: wrk -t1 -c1 -d${duration}s --latency, ${rounds} interleaved round(s), medians`,
    columns: [
      'target',
      'req/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p50 added over direct, ms',
      'proxy CPU µs/req',
      'added − proxy CPU, ms',
    ],
    rows: names.map((n) => [
      n,
      round(
        med(n, (s) => s.requestsPerSecond),
        0,
      ),
      round(
        med(n, (s) => s.p50Ms),
        3,
      ),
      round(
        med(n, (s) => s.p90Ms),
        3,
      ),
      round(
        med(n, (s) => s.p99Ms),
        3,
      ),
      n === 'direct' ? null : round(added(n), 3),
      n === 'direct' ? null : round(cpu(n), 1),
      n === 'direct' ? null : round(added(n) - cpu(n) / 1000, 3),
    ]),
    notes: [
      'One connection, one request at a time: what a single caller waits, not throughput. "Added" is the median over rounds of (target p50 − direct p50) in the same round.',
      'Proxy CPU µs/req at concurrency 1 is the time the proxy process ran per request (utime + stime from /proc, 10 ms ticks); "added − proxy CPU" is what is left of the added latency when the proxy is not running: wake-ups of idle cores and the extra round trips over loopback.',
      'Goal from issue 14: Fleetgate adds ≤ 0.2 ms at p50 over direct.',
    ],
  };
}
