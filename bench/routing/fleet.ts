import { freePort } from '../../lib/free-port.ts';
import { cpuSeconds, startProcess, stopProcess, type Tracked, waitForPort } from '../lib/procs.ts';

/** One local executor host of the benchmark fleet. */
export interface ExecutorHost {
  /** Stable name (`e1` …), also its `--hostname`, so responses say which host served. */
  name: string;
  /** Fixed numeric id for HAProxy's `id` (hash placement independent of line order). */
  id: number;
  port: number;
  url: string;
  proc: Tracked;
  killed: boolean;
}

/** How the simulated executors are configured. */
export interface FleetOptions {
  secret: string;
  /** `--sim-cold-start`, e.g. `500` (ms) or `lognormal:400:0.3`. */
  coldStart: string;
  /** `--sim-concurrency`: simultaneous executions per runtime. */
  concurrency: number;
  seed: number;
  /**
   * `--inactive-threshold` / `--maintenance-interval` (ms): the executors' idle reaping. Unset: their
   * defaults (60 s, checked every 10 s), which never reap within a 20 s run.
   */
  reaping?: { inactiveThresholdMs: number; maintenanceIntervalMs: number };
}

/** Starts `count` simulated executors (`fleetgate executor --mode simulated`) in parallel. */
export async function startFleet(count: number, options: FleetOptions): Promise<ExecutorHost[]> {
  const hosts = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `e${i + 1}`;
      const port = await freePort();
      const proc = startProcess(name, process.execPath, [
        'bin/fleetgate.js',
        'executor',
        '--mode',
        'simulated',
        '--port',
        String(port),
        '--secret',
        options.secret,
        '--hostname',
        name,
        '--sim-cold-start',
        options.coldStart,
        '--sim-concurrency',
        String(options.concurrency),
        // No eviction inside a run (no runtime cap, no memory cap): every cold start is then a
        // (runtime, host) pair the router created, and warm runtimes held is the memory it costs.
        '--max-runtimes',
        '10000',
        '--sim-memory',
        String(10_000 * 512),
        '--seed',
        String(options.seed + i),
        '--log-level',
        'warn',
        ...(options.reaping
          ? [
              '--inactive-threshold',
              `${options.reaping.inactiveThresholdMs}ms`,
              '--maintenance-interval',
              `${options.reaping.maintenanceIntervalMs}ms`,
            ]
          : []),
      ]);
      return { name, id: i + 1, port, url: `http://127.0.0.1:${port}`, proc, killed: false };
    }),
  );
  await Promise.all(hosts.map((h) => waitForPort(h.port, 30_000, h.proc)));
  return hosts;
}

/** SIGKILLs one executor (a host dying mid-run: no drain, connections reset). */
export async function killHost(host: ExecutorHost): Promise<void> {
  host.killed = true;
  try {
    process.kill(host.proc.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await host.proc.exited;
}

/** Stops every executor still running, by pid. */
export async function stopFleet(hosts: readonly ExecutorHost[]): Promise<void> {
  await Promise.all(hosts.map((h) => stopProcess(h.proc, 2000)));
}

/** The counters and gauges read from one executor's `/metrics`. */
export interface HostMetrics {
  coldStarts: number;
  warmRuntimes: number;
  executions: number;
  /** Runtimes stopped for any reason (idle, evicted, …): should stay 0 within a run. */
  stopped: number;
  /** CPU seconds the executor process has used (/proc). */
  cpuSeconds: number;
}

/** Sum of every sample of `name` (any labels) in a Prometheus text exposition. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([-+\\d.eE]+|NaN)`, 'gm');
  for (const m of text.matchAll(re)) {
    const v = Number(m[1]);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Reads one executor's metrics; undefined when it does not answer (killed). */
export async function scrapeHost(host: ExecutorHost): Promise<HostMetrics | undefined> {
  if (host.killed) return undefined;
  try {
    const res = await fetch(`${host.url}/metrics`, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    return {
      coldStarts: metricSum(text, 'fleetgate_executor_cold_starts_total'),
      warmRuntimes: metricSum(text, 'fleetgate_executor_warm_runtimes'),
      executions: metricSum(text, 'fleetgate_executor_executions_total'),
      stopped: metricSum(text, 'fleetgate_executor_runtime_processes_stopped_total'),
      cpuSeconds: cpuSeconds(host.proc.pid),
    };
  } catch {
    return undefined;
  }
}
