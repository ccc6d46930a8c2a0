import type { Registry } from 'prom-client';
import { buildMetrics, LATENCY_BUCKETS, type MetricDef } from './define.ts';

/**
 * Every metric the gateway exports (prefix `fleetgate_gateway_`). Labels are bounded: route pattern,
 * method, status class, addressing method, host id, error kind, host state. Never a runtime id.
 */
export const GATEWAY_METRICS = {
  requests: {
    name: 'fleetgate_gateway_requests_total',
    type: 'counter',
    help: 'Requests answered by the gateway, by route pattern, method, status class and addressing method.',
    labels: ['route', 'method', 'status_class', 'addressing'],
    unit: 'requests',
  },
  requestDuration: {
    name: 'fleetgate_gateway_request_duration_seconds',
    type: 'histogram',
    help: 'Time from receiving a request to the end of its response (or its failure), by route pattern.',
    labels: ['route'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
    batched: true,
  },
  upstreamDuration: {
    name: 'fleetgate_gateway_upstream_duration_seconds',
    type: 'histogram',
    help: 'Time from dispatching a request to a host to the upstream response headers, by host.',
    labels: ['host'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
    batched: true,
  },
  inflight: {
    name: 'fleetgate_gateway_inflight_requests',
    type: 'gauge',
    help: 'Requests in flight to each host (what the bounded-load cap is computed on).',
    labels: ['host'],
    unit: 'requests',
  },
  openStreams: {
    name: 'fleetgate_gateway_open_streams',
    type: 'gauge',
    help: 'Log streams open to each host (counted apart from in-flight requests).',
    labels: ['host'],
    unit: 'streams',
  },
  upstreamErrors: {
    name: 'fleetgate_gateway_upstream_errors_total',
    type: 'counter',
    help: 'Failed upstream attempts by host and kind (connect, timeout, reset, aborted, other).',
    labels: ['host', 'kind'],
    unit: 'errors',
  },
  retries: {
    name: 'fleetgate_gateway_retries_total',
    type: 'counter',
    help: 'Requests retried on the next candidate host after a connect failure (nothing had been sent).',
    labels: [],
    unit: 'retries',
  },
  ejections: {
    name: 'fleetgate_gateway_ejections_total',
    type: 'counter',
    help: 'Times a host was ejected (marked unhealthy) by passive or active health checks.',
    labels: ['host'],
    unit: 'ejections',
  },
  readmissions: {
    name: 'fleetgate_gateway_readmissions_total',
    type: 'counter',
    help: 'Times an ejected host was readmitted after a successful probe.',
    labels: ['host'],
    unit: 'readmissions',
  },
  coldRoutes: {
    name: 'fleetgate_gateway_cold_routes_total',
    type: 'counter',
    help: 'Runtime requests routed to a host where the runtime was not known to be warm.',
    labels: ['host'],
    unit: 'requests',
  },
  picks: {
    name: 'fleetgate_gateway_picks_total',
    type: 'counter',
    help: 'Host picks by reason (warm, ring, overflow, p2c, unhealthy-fallback, none).',
    labels: ['reason'],
    unit: 'picks',
  },
  broadcasts: {
    name: 'fleetgate_gateway_broadcasts_total',
    type: 'counter',
    help: 'Broadcast requests by outcome (ok, partial: some hosts failed, failed: every host failed).',
    labels: ['outcome'],
    unit: 'requests',
  },
  hosts: {
    name: 'fleetgate_gateway_hosts',
    type: 'gauge',
    help: 'Hosts in the gateway fleet view by state (booting, active, draining, unhealthy).',
    labels: ['state'],
    unit: 'hosts',
  },
  warmRuntimes: {
    name: 'fleetgate_gateway_warm_runtimes',
    type: 'gauge',
    help: 'Runtimes the gateway knows warm on each host (its placement map); the scaler drains hosts with the fewest first.',
    labels: ['host'],
    unit: 'runtimes',
  },
  placements: {
    name: 'fleetgate_gateway_placements',
    type: 'gauge',
    help: 'Runtimes in the placement map (runtime → hosts where it is warm).',
    labels: [],
    unit: 'runtimes',
  },
  registryVersion: {
    name: 'fleetgate_gateway_registry_version',
    type: 'gauge',
    help: 'Version of the registry snapshot the gateway routes on.',
    labels: [],
    unit: 'version',
  },
  registryStale: {
    name: 'fleetgate_gateway_registry_stale_seconds',
    type: 'gauge',
    help: 'Seconds since the registry was last read successfully (0 while it is reachable).',
    labels: [],
    unit: 'seconds',
  },
  registryUp: {
    name: 'fleetgate_gateway_registry_up',
    type: 'gauge',
    help: '1 when the registry is reachable, 0 while the gateway routes on its last view.',
    labels: [],
    unit: 'boolean',
  },
  registryNodes: {
    name: 'fleetgate_gateway_registry_nodes',
    type: 'gauge',
    help: 'Nodes of a Redis Cluster registry by state: up, or down (flagged failed by the cluster). Absent for a single Redis or Sentinel.',
    labels: ['state'],
    unit: 'nodes',
  },
  heldRequests: {
    name: 'fleetgate_gateway_held_requests',
    type: 'gauge',
    help: 'Requests the runtime activator holds right now, by reason: no-hosts (the pool has no active host: demand a scaler reads to wake it) or cold-start (waiting for their runtime to be created).',
    labels: ['reason'],
    unit: 'requests',
  },
  activatorHolds: {
    name: 'fleetgate_gateway_activator_holds_total',
    type: 'counter',
    help: 'Requests the runtime activator held, by reason and outcome: released, timeout, rejected (a bound was full: 429/503 with Retry-After), no-host, client-gone.',
    labels: ['reason', 'outcome'],
    unit: 'requests',
  },
  activatorHoldSeconds: {
    name: 'fleetgate_gateway_activator_hold_seconds',
    type: 'histogram',
    help: 'Time a request was held by the runtime activator, by reason.',
    labels: ['reason'],
    unit: 'seconds',
    buckets: LATENCY_BUCKETS,
  },
  activatorCreates: {
    name: 'fleetgate_gateway_activator_creates_total',
    type: 'counter',
    help: 'Runtime creates sent by the activator before a cold execution, by outcome: created (201), exists (409: a racing create won, which counts as success), failed.',
    labels: ['outcome'],
    unit: 'requests',
  },
  handoffs: {
    name: 'fleetgate_gateway_keepwarm_handoffs_total',
    type: 'counter',
    help: 'Warm handoffs: a runtime keep-warm wants warm, warm on another host, created on its new ring owner (a host joined) before the balancer routes it there; by result (created, failed).',
    labels: ['result'],
    unit: 'runtimes',
  },
  coldStartsByCause: {
    name: 'fleetgate_gateway_cold_starts_total',
    type: 'counter',
    help: 'Cold executions (seen by the activator: no active host had the runtime warm; or routed to a host where it was not warm while another had it), by cause: first-call (never seen), after-reaping (seen before, reaped by an executor or deleted by keep-warm), after-move (a host it was warm on left or drained, or its ring owner changed), overflow (bounded loads sent it to a host where it was not warm while it was warm on another). Counted with keep-warm on.',
    labels: ['cause'],
    unit: 'requests',
  },
  prewarms: {
    name: 'fleetgate_gateway_prewarms_total',
    type: 'counter',
    help: 'Keep-warm pre-warms by result: useful (called before it was deleted), wasted (deleted without a call), failed (the create failed).',
    labels: ['result'],
    unit: 'runtimes',
  },
  keepWarmDeletes: {
    name: 'fleetgate_gateway_keepwarm_deletes_total',
    type: 'counter',
    help: 'Runtimes deleted by keep-warm, by host: its policy no longer wanted them warm, or a surplus copy (fleetgate_gateway_keepwarm_trims_total), or the old copy after a warm handoff.',
    labels: ['host'],
    unit: 'runtimes',
  },
  keepWarmTrims: {
    name: 'fleetgate_gateway_keepwarm_trims_total',
    type: 'counter',
    help: 'Surplus copies keep-warm deleted, by host: a runtime it wants warm was warm on more hosts than the pick sends it to (an overflow copy, the old copy after a move) and that copy had served no call for the surplus keep-alive of its runtime (learned from its overflow gaps, `keepWarm.learnSurplus`; else `keepWarm.surplusIdle`). Also counted in fleetgate_gateway_keepwarm_deletes_total.',
    labels: ['host'],
    unit: 'runtimes',
  },
  warmRuntimeSeconds: {
    name: 'fleetgate_gateway_warm_runtime_seconds_total',
    type: 'counter',
    help: 'Warm runtime·seconds per host as the gateway knows them (its placement map, summed each keep-warm tick): the memory keep-warm costs.',
    labels: ['host'],
    unit: 'seconds',
  },
} as const satisfies Record<string, MetricDef>;

/** The gateway's metrics, registered on an injected registry. */
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Registers the gateway's metric table on `registry`. */
export function createGatewayMetrics(registry: Registry) {
  return buildMetrics(GATEWAY_METRICS, registry);
}
