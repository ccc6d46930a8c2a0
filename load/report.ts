import { LatencyRecorder } from './stats.ts';

/** What happened to one request of a load run. */
export interface RequestOutcome {
  runtimeId: string;
  /** Milliseconds from send to the end of the response body. */
  latencyMs: number;
  /** HTTP status, when a response came back. */
  status?: number;
  /** The host that served it (`x-fleetgate-host`), when the gateway said. */
  host?: string;
  /**
   * Whether the gateway routed it to a host where the runtime was not warm, when the gateway said;
   * otherwise the report infers it (first request of a runtime seen on a host).
   */
  cold?: boolean;
  /** Error kind when the request failed: `http_<status>`, `timeout`, or a network error code. */
  error?: string;
}

/** Latency percentiles in milliseconds (undefined when nothing completed). */
export interface Percentiles {
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

/** Per-host figures of a load run. */
export interface HostSummary {
  host: string;
  requests: number;
  errors: number;
  coldRoutes: number;
  latencyMs: Percentiles;
}

/** The result of a load run, as printed by `fleetgate load` and returned to benchmarks. */
export interface LoadSummary {
  /** Requests the plan asked for within the time run. */
  planned: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** Requests not sent because `maxInFlight` requests were already outstanding. */
  skipped: number;
  /** Wall time from the first scheduled send to the last response, in seconds. */
  elapsedSeconds: number;
  /** Completed requests per second of wall time. */
  throughput: number;
  latencyMs: Percentiles;
  coldRoutes: number;
  /** `gateway` when every served response said whether it was cold, else `inferred` (or `mixed`). */
  coldSource: 'gateway' | 'inferred' | 'mixed' | 'none';
  hosts: HostSummary[];
}

/** The unknown-host bucket: responses without `x-fleetgate-host` (a plain executor, or errors before routing). */
export const UNKNOWN_HOST = '-';

interface HostTally {
  requests: number;
  errors: number;
  coldRoutes: number;
  latency: LatencyRecorder;
  runtimes: Set<string>;
}

function percentiles(r: LatencyRecorder): Percentiles {
  return { p50: r.quantile(0.5), p95: r.quantile(0.95), p99: r.quantile(0.99), max: r.max() };
}

/** Accumulates request outcomes into a `LoadSummary`. Pure: no clock, no I/O. */
export class LoadReport {
  planned = 0;
  sent = 0;
  skipped = 0;
  private completed = 0;
  private ok = 0;
  private errors = 0;
  private readonly errorsByKind: Record<string, number> = {};
  private readonly latency = new LatencyRecorder();
  private readonly hosts = new Map<string, HostTally>();
  private coldFromGateway = 0;
  private coldInferred = 0;

  /** Adds one finished request. */
  add(outcome: RequestOutcome): void {
    this.completed++;
    const host = outcome.host ?? UNKNOWN_HOST;
    let tally = this.hosts.get(host);
    if (!tally) {
      tally = { requests: 0, errors: 0, coldRoutes: 0, latency: new LatencyRecorder(), runtimes: new Set() };
      this.hosts.set(host, tally);
    }
    tally.requests++;
    if (outcome.error !== undefined) {
      this.errors++;
      tally.errors++;
      this.errorsByKind[outcome.error] = (this.errorsByKind[outcome.error] ?? 0) + 1;
      return;
    }
    this.ok++;
    this.latency.record(outcome.latencyMs);
    tally.latency.record(outcome.latencyMs);
    if (outcome.host === undefined) return;
    const firstOnHost = !tally.runtimes.has(outcome.runtimeId);
    tally.runtimes.add(outcome.runtimeId);
    let cold: boolean;
    if (outcome.cold !== undefined) {
      cold = outcome.cold;
      this.coldFromGateway++;
    } else {
      cold = firstOnHost;
      this.coldInferred++;
    }
    if (cold) tally.coldRoutes++;
  }

  /** Completed requests so far. */
  get done(): number {
    return this.completed;
  }

  /** Failed requests so far. */
  get failed(): number {
    return this.errors;
  }

  /** The latency p-quantile of successful requests so far. */
  quantile(q: number): number | undefined {
    return this.latency.quantile(q);
  }

  /** The summary for a run that took `elapsedMs` of wall time. */
  summary(elapsedMs: number): LoadSummary {
    const hosts = [...this.hosts.entries()]
      .map(([host, t]) => ({
        host,
        requests: t.requests,
        errors: t.errors,
        coldRoutes: t.coldRoutes,
        latencyMs: percentiles(t.latency),
      }))
      .sort((a, b) => a.host.localeCompare(b.host));
    const coldSource =
      this.coldFromGateway > 0 && this.coldInferred > 0
        ? 'mixed'
        : this.coldFromGateway > 0
          ? 'gateway'
          : this.coldInferred > 0
            ? 'inferred'
            : 'none';
    return {
      planned: this.planned,
      sent: this.sent,
      completed: this.completed,
      ok: this.ok,
      errors: this.errors,
      errorsByKind: { ...this.errorsByKind },
      skipped: this.skipped,
      elapsedSeconds: elapsedMs / 1000,
      throughput: elapsedMs > 0 ? this.completed / (elapsedMs / 1000) : 0,
      latencyMs: percentiles(this.latency),
      coldRoutes: hosts.reduce((n, h) => n + h.coldRoutes, 0),
      coldSource,
      hosts,
    };
  }
}
