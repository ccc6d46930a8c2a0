import type { Registry } from 'prom-client';
import { buildMetrics, LATENCY_BUCKETS, type MetricDef } from './define.ts';

/**
 * Every metric the scaler exports (prefix `fleetgate_scaler_`). Labels are bounded: pool, host
 * state, policy metric name, reason code, source error reason, provider operation and outcome.
 */
export const SCALER_METRICS = {
  desiredHosts: {
    name: 'fleetgate_scaler_desired_hosts',
    type: 'gauge',
    help: 'Hosts the last evaluation wanted, per pool.',
    labels: ['pool'],
    unit: 'hosts',
  },
  hosts: {
    name: 'fleetgate_scaler_hosts',
    type: 'gauge',
    help: 'Hosts in the registry per pool and state (booting, active, draining), as the last tick read them.',
    labels: ['pool', 'state'],
    unit: 'hosts',
  },
  metricValue: {
    name: 'fleetgate_scaler_metric_value',
    type: 'gauge',
    help: 'Last value read for each policy metric (unchanged while the metric has no data).',
    labels: ['pool', 'metric'],
    unit: 'value',
  },
  metricValid: {
    name: 'fleetgate_scaler_metric_valid',
    type: 'gauge',
    help: '1 when the last read of a policy metric gave a valid number, 0 when it gave no data.',
    labels: ['pool', 'metric'],
    unit: 'boolean',
  },
  sourceErrors: {
    name: 'fleetgate_scaler_source_errors_total',
    type: 'counter',
    help: 'Metric reads that gave no data, by reason (httpError, timeout, empty, notFinite, severalSeries, stale, …).',
    labels: ['pool', 'metric', 'reason'],
    unit: 'errors',
  },
  decisions: {
    name: 'fleetgate_scaler_decisions_total',
    type: 'counter',
    help: 'Ticks by the reason code of their decision (ScaleUp, WithinTolerance, MetricNoData, …).',
    labels: ['pool', 'reason'],
    unit: 'decisions',
  },
  providerOperations: {
    name: 'fleetgate_scaler_provider_operations_total',
    type: 'counter',
    help: 'Provider calls by operation (create, destroy) and outcome (ok, error, timeout).',
    labels: ['pool', 'operation', 'outcome'],
    unit: 'operations',
  },
  registryErrors: {
    name: 'fleetgate_scaler_registry_errors_total',
    type: 'counter',
    help: 'Ticks or lifecycle steps that could not reach the registry (no action is taken then).',
    labels: ['pool'],
    unit: 'errors',
  },
  leader: {
    name: 'fleetgate_scaler_leader',
    type: 'gauge',
    help: '1 while this scaler holds the pool leader lock (acts), 0 while it follows (dry-run).',
    labels: ['pool'],
    unit: 'boolean',
  },
  tickDuration: {
    name: 'fleetgate_scaler_tick_duration_seconds',
    type: 'histogram',
    help: 'Time one tick takes: reading the fleet and metrics, evaluating, acting and recording.',
    labels: ['pool'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
} as const satisfies Record<string, MetricDef>;

/** The scaler's metrics, registered on an injected registry. */
export type ScalerMetrics = ReturnType<typeof createScalerMetrics>;

/** Registers the scaler's metric table on `registry`. */
export function createScalerMetrics(registry: Registry) {
  return buildMetrics(SCALER_METRICS, registry);
}
