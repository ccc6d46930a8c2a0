import type { Registry } from 'prom-client';
import { buildMetrics, LATENCY_BUCKETS, type MetricDef } from './define.ts';

/** Every metric the local executor exports on `/metrics` (prefix `fleetgate_executor_`). */
export const EXECUTOR_METRICS = {
  warmRuntimes: {
    name: 'fleetgate_executor_warm_runtimes',
    type: 'gauge',
    help: 'Runtimes that are started and listening on this host.',
    labels: ['mode'],
    unit: 'runtimes',
  },
  startingRuntimes: {
    name: 'fleetgate_executor_starting_runtimes',
    type: 'gauge',
    help: 'Runtimes whose cold start is in progress.',
    labels: ['mode'],
    unit: 'runtimes',
  },
  inflightExecutions: {
    name: 'fleetgate_executor_inflight_executions',
    type: 'gauge',
    help: 'Executions in progress, including those waiting for a cold start.',
    labels: ['mode'],
    unit: 'executions',
  },
  logStreams: {
    name: 'fleetgate_executor_log_streams',
    type: 'gauge',
    help: 'Open GET /v1/runtimes/:id/logs requests (streaming, or waiting for the runtime to appear).',
    labels: [],
    unit: 'streams',
  },
  executions: {
    name: 'fleetgate_executor_executions_total',
    type: 'counter',
    help: 'Finished executions by outcome: success (function answered < 400), function_error (>= 400), timeout, failed (runtime failed or crashed), rejected (bad request, unknown runtime).',
    labels: ['outcome'],
    unit: 'executions',
  },
  executionDuration: {
    name: 'fleetgate_executor_execution_duration_seconds',
    type: 'histogram',
    help: 'Execution time, including any cold start it waited for.',
    labels: ['outcome'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
  coldStarts: {
    name: 'fleetgate_executor_cold_starts_total',
    type: 'counter',
    help: 'Runtime cold starts by outcome (success, failed, timeout).',
    labels: ['outcome'],
    unit: 'starts',
  },
  coldStartDuration: {
    name: 'fleetgate_executor_cold_start_duration_seconds',
    type: 'histogram',
    help: 'Time from starting a runtime to its port answering.',
    labels: [],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
  runtimesStarted: {
    name: 'fleetgate_executor_runtime_processes_started_total',
    type: 'counter',
    help: 'Runtime processes (or simulated runtimes) started.',
    labels: ['mode'],
    unit: 'runtimes',
  },
  runtimesStopped: {
    name: 'fleetgate_executor_runtime_processes_stopped_total',
    type: 'counter',
    help: 'Runtimes stopped, by reason (idle, evicted, deleted, exited, failed, shutdown).',
    labels: ['reason'],
    unit: 'runtimes',
  },
  runtimeMemory: {
    name: 'fleetgate_executor_runtime_memory_bytes',
    type: 'gauge',
    help: 'Memory accounted to warm runtimes (their declared memory limit).',
    labels: [],
    unit: 'bytes',
  },
  memoryCapacity: {
    name: 'fleetgate_executor_memory_capacity_bytes',
    type: 'gauge',
    help: 'Memory this host offers to runtimes (simulated mode), for usage ratios.',
    labels: [],
    unit: 'bytes',
  },
  buildQueueDepth: {
    name: 'fleetgate_executor_build_queue_depth',
    type: 'gauge',
    help: 'Builds (creates with a command) waiting for a build worker.',
    labels: [],
    unit: 'builds',
  },
  buildsRunning: {
    name: 'fleetgate_executor_builds_running',
    type: 'gauge',
    help: 'Builds a build worker is running.',
    labels: [],
    unit: 'builds',
  },
  buildQueueWait: {
    name: 'fleetgate_executor_build_queue_wait_seconds',
    type: 'histogram',
    help: 'Time a build waited in the queue for a worker.',
    labels: [],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
  builds: {
    name: 'fleetgate_executor_builds_total',
    type: 'counter',
    help: 'Finished builds by outcome: success, failed (the command or packaging failed), timeout, rejected (queue full), cancelled (removed or shut down).',
    labels: ['outcome'],
    unit: 'builds',
  },
  buildDuration: {
    name: 'fleetgate_executor_build_duration_seconds',
    type: 'histogram',
    help: 'Time a build worker spent on one build: mirroring the source, the command, packaging.',
    labels: ['outcome'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
} as const satisfies Record<string, MetricDef>;

/** The executor's metrics, registered on `registry`. */
export function createExecutorMetrics(registry: Registry) {
  const metrics = buildMetrics(EXECUTOR_METRICS, registry);
  // Every build outcome is exported from the start (at 0), so a dashboard or an alert on
  // `rate(...{outcome="failed"})` has a series before the first build, as Prometheus advises.
  for (const outcome of BUILD_OUTCOMES) {
    metrics.builds.inc({ outcome }, 0);
    metrics.buildDuration.zero({ outcome });
  }
  return metrics;
}

/** The `outcome` label values of the build metrics. */
export const BUILD_OUTCOMES = ['success', 'failed', 'timeout', 'rejected', 'cancelled'] as const;

/** The built executor metrics. */
export type ExecutorMetrics = ReturnType<typeof createExecutorMetrics>;
