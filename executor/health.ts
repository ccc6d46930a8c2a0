import { cpus, loadavg } from 'node:os';
import type { ExecutorOptions } from './options.ts';
import type { RuntimeEntry, RuntimeTable } from './runtimes.ts';

/**
 * A runtime as `GET /v1/runtimes` answers it: the real executor's fields (times in seconds), where
 * `name` is `<executor hostname>-<runtimeId>` and `hostname` the runtime's own random name, exactly
 * as open-runtimes/executor reports them. `runtimeId` is a Fleetgate extension: real executors do not
 * send it, so clients that need the id must strip the `<executor hostname>-` prefix from `name`.
 */
export function runtimeView(entry: RuntimeEntry, options: ExecutorOptions) {
  const up = entry.instance && entry.startedAt !== undefined;
  return {
    version: entry.spec.version,
    created: entry.created / 1000,
    updated: entry.updated / 1000,
    name: `${options.hostname}-${entry.spec.id}`,
    hostname: entry.spec.hostname,
    // The real executor's text: how long the start took, in seconds with two decimals.
    status: up ? `Up ${Math.round((entry.startedAt! - entry.created) / 10) / 100}s` : 'pending',
    key: entry.spec.key,
    listening: up ? 1 : 0,
    image: entry.spec.image,
    initialised: up ? 1 : 0,
    runtimeId: entry.spec.id,
  };
}

/**
 * The pre-0.17 health body `{status, usage, runtimes}` (see docs/compatibility.md), for testing the
 * gateway against old executors. Usage: accounted runtime memory over capacity in simulated mode,
 * 1-minute load over cores in process mode; per runtime, executions in flight × 100 / slots.
 */
export function legacyHealth(table: RuntimeTable, options: ExecutorOptions) {
  const entries = table.list();
  let usage: number;
  if (options.mode === 'simulated') {
    const used = entries.reduce((sum, e) => sum + (e.instance ? e.instance.memoryMb : 0), 0);
    usage = (used / options.simulated.memoryMb) * 100;
  } else {
    usage = ((loadavg()[0] ?? 0) / Math.max(1, cpus().length)) * 100;
  }
  const runtimes: Record<string, { status: string; usage: number }> = {};
  const slots = options.mode === 'simulated' ? options.simulated.concurrency : 1;
  for (const e of entries) {
    runtimes[e.spec.id] = {
      status: e.instance ? 'pass' : 'pending',
      usage: Math.min(100, (e.inflight * 100) / slots),
    };
  }
  return { status: 'pass', usage: Math.min(100, Math.round(usage * 100) / 100), runtimes };
}
