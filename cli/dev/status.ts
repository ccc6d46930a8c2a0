import { formatMs } from '../../load/format.ts';
import type { HostState } from '../../registry/types.ts';

/** One host as the dev status shows it. */
export interface StatusHost {
  id: string;
  state: HostState;
  /** Undefined while the gateway has not seen the host yet. */
  healthy: boolean | undefined;
  inflight: number;
  warm: number;
}

/** A cumulative histogram: bucket upper bounds (the last is +Inf) with cumulative counts. */
export interface Histogram {
  buckets: Array<{ le: number; count: number }>;
}

/** What the dev command samples once per refresh, from the gateway and scaler in its process. */
export interface StatusSample {
  /** Milliseconds (any monotonic origin). */
  at: number;
  hosts: StatusHost[];
  /** Gateway requests served since start (counter). */
  requests: number;
  /** Gateway request duration histogram, in seconds (cumulative since start). */
  latency: Histogram;
  /** Gateway cold routes since start (counter). */
  coldRoutes: number;
  /** The scaler's latest desired host count, once it has decided. */
  desired: number | undefined;
}

/** Figures between two samples. */
export interface StatusFigures {
  rps: number;
  /** p95 of requests finished between the samples, ms; undefined when none finished. */
  p95Ms: number | undefined;
  coldRoutes: number;
  inflight: number;
}

/**
 * The q-quantile of the observations in a cumulative histogram, interpolated linearly inside the
 * bucket, as PromQL's histogram_quantile does. Undefined when it holds no observation.
 */
export function histogramQuantile(q: number, h: Histogram): number | undefined {
  const buckets = [...h.buckets].sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      // Past the last finite bound there is nothing to interpolate to: answer that bound.
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** The observations that fell between two cumulative histograms (counter resets count as a fresh start). */
export function histogramDelta(before: Histogram, after: Histogram): Histogram {
  const old = [...before.buckets].sort((a, b) => a.le - b.le);
  // Cumulative: a bound missing from `before` had the count of the nearest bound below it.
  const countAt = (le: number) => {
    let count = 0;
    for (const b of old) if (b.le <= le) count = b.count;
    return count;
  };
  return { buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - countAt(b.le)) })) };
}

/** Rates and percentiles between `prev` and `cur`. */
export function figures(prev: StatusSample, cur: StatusSample): StatusFigures {
  const seconds = Math.max(0.001, (cur.at - prev.at) / 1000);
  const p95 = histogramQuantile(0.95, histogramDelta(prev.latency, cur.latency));
  return {
    rps: Math.max(0, cur.requests - prev.requests) / seconds,
    p95Ms: p95 === undefined ? undefined : p95 * 1000,
    coldRoutes: Math.max(0, cur.coldRoutes - prev.coldRoutes),
    inflight: cur.hosts.reduce((n, h) => n + h.inflight, 0),
  };
}

function countStates(hosts: StatusHost[]): string {
  const order: HostState[] = ['active', 'booting', 'draining'];
  const parts = order.flatMap((s) => {
    const n = hosts.filter((h) => h.state === s).length;
    return n > 0 ? [`${n} ${s}`] : [];
  });
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** One line: hosts by state, desired, requests/s, p95, cold routes, in flight. */
export function statusLine(cur: StatusSample, f: StatusFigures): string {
  return [
    `hosts ${cur.hosts.length} (${countStates(cur.hosts)})`,
    `desired ${cur.desired ?? '-'}`,
    `${f.rps.toFixed(1)} req/s`,
    `p95 ${formatMs(f.p95Ms)}`,
    `cold routes +${f.coldRoutes} (${cur.coldRoutes} total)`,
    `in flight ${f.inflight}`,
  ].join(' · ');
}

/** The TTY table: the status line, then one row per host. */
export function statusTable(cur: StatusSample, f: StatusFigures): string[] {
  const hosts = [...cur.hosts].sort((a, b) => a.id.localeCompare(b.id));
  const width = Math.max(4, ...hosts.map((h) => h.id.length));
  return [
    statusLine(cur, f),
    ...hosts.map((h) => {
      const health = h.healthy === undefined ? 'unknown' : h.healthy ? 'healthy' : 'UNHEALTHY';
      return `  ${h.id.padEnd(width)}  ${h.state.padEnd(8)}  ${health.padEnd(9)}  in flight ${String(h.inflight).padStart(3)}  warm ${h.warm}`;
    }),
  ];
}
