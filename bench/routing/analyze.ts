import { quantile } from '../lib/stats.ts';
import type { RequestRecord } from './client.ts';
import type { HostMetrics } from './fleet.ts';

/** A stretch of the run with a fixed set of hosts in service. */
export interface Phase {
  name: string;
  from: number;
  to: number;
  /** Hosts that may receive new work in this phase. */
  inService: string[];
}

/** Metrics of every host at one instant (undefined for a host that is gone). */
export type Snapshot = Map<string, HostMetrics | undefined>;

/** What one phase (or the whole run) looked like. */
export interface PhaseStats {
  phase: string;
  requests: number;
  errors: number;
  /** Cold starts on the executors during the phase (from their metrics). */
  coldStarts: number;
  /** The same per host. */
  coldByHost: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  /** Busiest in-service host's mean in-flight ÷ the mean over in-service hosts. */
  inflightPeakToAvg: number;
  /** Warm runtimes held across live hosts at the end of the phase. */
  warmRuntimesAtEnd: number;
  /** Requests served per host in the phase. */
  perHost: Record<string, number>;
  /** Failed requests by kind (`http_502`, `UND_ERR_SOCKET`, …). */
  errorKinds: Record<string, number>;
}

function kinds(records: readonly RequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) if (r.error) out[r.error] = (out[r.error] ?? 0) + 1;
  return out;
}

function coldTotal(s: Snapshot, last: Map<string, number>): number {
  let total = 0;
  for (const [host, m] of s) {
    if (m) last.set(host, m.coldStarts);
    total += last.get(host) ?? 0;
  }
  return total;
}

function warmTotal(s: Snapshot): number {
  let total = 0;
  for (const m of s.values()) total += m?.warmRuntimes ?? 0;
  return total;
}

/** Mean in-flight per host over [from, to), from each request's send and completion times. */
export function meanInflight(
  records: readonly RequestRecord[],
  from: number,
  to: number,
): Map<string, number> {
  const busy = new Map<string, number>();
  for (const r of records) {
    if (!r.host) continue;
    const overlap = Math.min(r.end, to) - Math.max(r.sent, from);
    if (overlap > 0) busy.set(r.host, (busy.get(r.host) ?? 0) + overlap);
  }
  for (const [h, v] of busy) busy.set(h, v / (to - from));
  return busy;
}

/**
 * Per-phase statistics. `snapshots[i]` was taken at the start of `phases[i]`, the last one at the
 * end of the run; a host killed mid-run keeps the counters of its last scrape.
 */
export function analyze(
  records: readonly RequestRecord[],
  phases: readonly Phase[],
  snapshots: readonly Snapshot[],
): {
  phases: PhaseStats[];
  total: PhaseStats;
} {
  const lastCold = new Map<string, number>();
  const coldAt = snapshots.map((s) => coldTotal(s, lastCold));
  // Per host: a killed host keeps the count of its last scrape.
  const hostCold: Map<string, number>[] = [];
  const last = new Map<string, number>();
  for (const snap of snapshots) {
    for (const [host, m] of snap) if (m) last.set(host, m.coldStarts);
    hostCold.push(new Map(last));
  }
  const coldDelta = (i: number, j: number): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [host, v] of hostCold[j] ?? new Map<string, number>()) {
      const d = v - (hostCold[i]?.get(host) ?? 0);
      if (d !== 0) out[host] = d;
    }
    return out;
  };
  const stats = phases.map((phase, i): PhaseStats => {
    const inPhase = records.filter((r) => r.at >= phase.from && r.at < phase.to);
    const ok = inPhase.filter((r) => !r.error).map((r) => r.end - r.at);
    const inflight = meanInflight(records, phase.from, phase.to);
    const loads = phase.inService.map((h) => inflight.get(h) ?? 0);
    const mean = loads.reduce((s, v) => s + v, 0) / Math.max(1, loads.length);
    const perHost: Record<string, number> = {};
    for (const r of inPhase) if (r.host) perHost[r.host] = (perHost[r.host] ?? 0) + 1;
    return {
      phase: phase.name,
      requests: inPhase.length,
      errors: inPhase.length - ok.length,
      coldStarts: (coldAt[i + 1] ?? 0) - (coldAt[i] ?? 0),
      coldByHost: coldDelta(i, i + 1),
      p50: quantile(ok, 0.5),
      p95: quantile(ok, 0.95),
      p99: quantile(ok, 0.99),
      inflightPeakToAvg: mean > 0 ? Math.max(...loads) / mean : Number.NaN,
      warmRuntimesAtEnd: warmTotal(snapshots[i + 1] ?? new Map()),
      perHost,
      errorKinds: kinds(inPhase),
    };
  });
  const ok = records.filter((r) => !r.error).map((r) => r.end - r.at);
  const perHost: Record<string, number> = {};
  for (const r of records) if (r.host) perHost[r.host] = (perHost[r.host] ?? 0) + 1;
  const total: PhaseStats = {
    phase: 'whole run',
    requests: records.length,
    errors: records.length - ok.length,
    coldStarts: (coldAt[coldAt.length - 1] ?? 0) - (coldAt[0] ?? 0),
    coldByHost: coldDelta(0, snapshots.length - 1),
    p50: quantile(ok, 0.5),
    p95: quantile(ok, 0.95),
    p99: quantile(ok, 0.99),
    inflightPeakToAvg: stats[0]?.inflightPeakToAvg ?? Number.NaN,
    warmRuntimesAtEnd: stats[stats.length - 1]?.warmRuntimesAtEnd ?? 0,
    perHost,
    errorKinds: kinds(records),
  };
  return { phases: stats, total };
}
