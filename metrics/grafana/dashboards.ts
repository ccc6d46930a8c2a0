import type { DashboardSpec, PanelSpec } from './build.ts';

/** Label matchers of the dashboard variables. */
const P = 'pool=~"$pool"';
const PH = 'pool=~"$pool", host=~"$host"';
const RI = '$__rate_interval';

const quantiles = (metric: string, by: string, sel: string): PanelSpec['queries'] =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${by}) (rate(${metric}_bucket{${sel}}[${RI}])))`,
    legend: `p${Math.round(q * 100)}${by === 'le' ? '' : ` {{${by.replace(/^le, /, '')}}}`}`,
  }));

const HOST_QUERY = 'label_values(fleetgate_gateway_inflight_requests{pool=~"$pool"}, host)';

/** The gateway overview: traffic, errors, latency, hosts, routing quality, failures, registry. */
export const GATEWAY_DASHBOARD: DashboardSpec = {
  uid: 'fleetgate-gateway',
  title: 'Fleetgate / Gateway overview',
  description:
    'Requests through the Fleetgate gateways of a pool: rate, errors, latency, per-host load and balance, cold routes, failovers, ejections, registry view.',
  hostQuery: HOST_QUERY,
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Request rate by status class',
          description: 'Requests answered by the gateways per second, by HTTP status class.',
          unit: 'reqps',
          stacked: true,
          queries: [
            {
              expr: `sum by (status_class) (rate(fleetgate_gateway_requests_total{${P}}[${RI}]))`,
              legend: '{{status_class}}',
            },
          ],
        },
        {
          title: 'Error ratio (5xx)',
          description:
            'Share of requests answered 5xx (502 host failed after sending, 503 no host, 504 timeout). Alert FleetgateHighErrorRatio fires above 5 % for 5 minutes.',
          unit: 'percentunit',
          queries: [
            {
              expr: `(sum(rate(fleetgate_gateway_requests_total{${P}, status_class="5xx"}[${RI}])) or vector(0)) / sum(rate(fleetgate_gateway_requests_total{${P}}[${RI}]))`,
              legend: '5xx ratio',
            },
          ],
        },
        {
          title: 'Request latency p50 / p95 / p99',
          description: 'Time from receiving a request to the end of its response, over every route.',
          unit: 's',
          queries: quantiles('fleetgate_gateway_request_duration_seconds', 'le', P),
        },
        {
          title: 'Requests by route',
          description: 'Requests per second by executor API route pattern and method.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (route, method) (rate(fleetgate_gateway_requests_total{${P}}[${RI}]))`,
              legend: '{{method}} {{route}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Hosts and load balance',
      panels: [
        {
          title: 'In-flight requests and open log streams per host',
          description:
            'Requests in flight to each executor host, summed over the gateways (the bounded-load cap is computed on this), and long-lived log streams, counted apart.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (host) (fleetgate_gateway_inflight_requests{${PH}})`,
              legend: '{{host}}',
            },
            {
              expr: `sum by (host) (fleetgate_gateway_open_streams{${PH}})`,
              legend: 'streams {{host}}',
            },
          ],
        },
        {
          title: 'Load balance across hosts',
          description:
            "Each host's share of the requests sent upstream; with bounded loads no host takes much more than its fair share.",
          unit: 'percentunit',
          stacked: true,
          queries: [
            {
              expr: `sum by (host) (rate(fleetgate_gateway_upstream_duration_seconds_count{${PH}}[${RI}])) / scalar(sum(rate(fleetgate_gateway_upstream_duration_seconds_count{${P}}[${RI}])))`,
              legend: '{{host}}',
            },
          ],
        },
        {
          title: 'Load imbalance (busiest host ÷ mean)',
          description:
            'Upstream request rate of the busiest host over the mean per host: 1 is perfectly even.',
          unit: 'short',
          queries: [
            {
              expr: `max(sum by (host) (rate(fleetgate_gateway_upstream_duration_seconds_count{${P}}[${RI}]))) / avg(sum by (host) (rate(fleetgate_gateway_upstream_duration_seconds_count{${P}}[${RI}])))`,
              legend: 'max ÷ mean',
            },
          ],
        },
        {
          title: 'Upstream latency p95 per host',
          description: 'Time from dispatching a request to a host to its response headers, per host.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le, host) (rate(fleetgate_gateway_upstream_duration_seconds_bucket{${PH}}[${RI}])))`,
              legend: '{{host}}',
            },
          ],
        },
        {
          title: 'Hosts in the gateway view by state',
          description:
            'Hosts each gateway routes over, by registry state, and how many of them it currently considers unhealthy (worst gateway).',
          unit: 'short',
          queries: [
            {
              expr: `max by (state) (fleetgate_gateway_hosts{${P}})`,
              legend: '{{state}}',
            },
          ],
        },
        {
          title: 'Routable hosts (worst gateway)',
          description:
            'Active minus unhealthy hosts, the lowest over the gateways of the pool. 0 fires FleetgateNoHealthyHosts.',
          unit: 'short',
          type: 'stat',
          queries: [{ expr: `pool:fleetgate_gateway_routable_hosts:min{${P}}`, legend: '{{pool}}' }],
        },
      ],
    },
    {
      title: 'Routing quality and failures',
      panels: [
        {
          title: 'Cold-route ratio',
          description:
            'Runtime requests sent to a host where the runtime was not known to be warm, per runtime-keyed pick. Low is good: requests follow their warm runtime.',
          unit: 'percentunit',
          queries: [
            {
              expr: `(sum(rate(fleetgate_gateway_cold_routes_total{${P}}[${RI}])) or vector(0)) / sum(rate(fleetgate_gateway_picks_total{${P}, reason=~"warm|ring|overflow|unhealthy-fallback"}[${RI}]))`,
              legend: 'cold routes ÷ keyed picks',
            },
          ],
        },
        {
          title: 'Cold routes per host',
          description: 'Cold routes per second by the host they were sent to (where cold starts happen).',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (host) (rate(fleetgate_gateway_cold_routes_total{${PH}}[${RI}]))`,
              legend: '{{host}}',
            },
          ],
        },
        {
          title: 'Host picks by reason',
          description:
            'Why each host was picked: warm (runtime known warm there), ring (first rendezvous choice), overflow (bounded-load cap), p2c (no runtime key), unhealthy-fallback, none.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (reason) (rate(fleetgate_gateway_picks_total{${P}}[${RI}]))`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Failovers and upstream errors',
          description:
            'Requests retried on the next host after a connect failure (nothing had been sent), and failed upstream attempts by host and kind.',
          unit: 'ops',
          queries: [
            { expr: `sum(rate(fleetgate_gateway_retries_total{${P}}[${RI}]))`, legend: 'failovers' },
            {
              expr: `sum by (host, kind) (rate(fleetgate_gateway_upstream_errors_total{${PH}}[${RI}]))`,
              legend: '{{kind}} {{host}}',
            },
          ],
        },
        {
          title: 'Ejections and readmissions',
          description:
            'Hosts ejected by passive or active health checks, and readmitted after a successful probe.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (host) (increase(fleetgate_gateway_ejections_total{${PH}}[${RI}]))`,
              legend: 'ejected {{host}}',
            },
            {
              expr: `sum by (host) (increase(fleetgate_gateway_readmissions_total{${PH}}[${RI}]))`,
              legend: 'readmitted {{host}}',
            },
          ],
        },
        {
          title: 'Broadcasts by outcome',
          description:
            'Broadcast requests (every active host in parallel) that succeeded everywhere or partially.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (outcome) (rate(fleetgate_gateway_broadcasts_total{${P}}[${RI}]))`,
              legend: '{{outcome}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Cold starts and keep-warm',
      panels: [
        {
          title: 'Requests held by the activator',
          description:
            'Requests held right now: no-hosts (the pool has no active host; the scaler reads this demand) and cold-start (waiting for their runtime to be created).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (reason) (fleetgate_gateway_held_requests{${P}})`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Activator holds and rejections',
          description:
            'Holds per second by reason and outcome: released, timeout, rejected (a bound was full: 429/503 with Retry-After), no-host, client-gone.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (reason, outcome) (rate(fleetgate_gateway_activator_holds_total{${P}}[${RI}]))`,
              legend: '{{reason}} {{outcome}}',
            },
          ],
        },
        {
          title: 'Activator hold time p95',
          description: 'How long held requests waited, by reason (a cold start, or a host booting).',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le, reason) (rate(fleetgate_gateway_activator_hold_seconds_bucket{${P}}[${RI}])))`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Cold starts by cause',
          description:
            'Cold executions by cause (with keep-warm on): first-call (never seen), after-reaping (seen before, reaped or deleted), after-move (a host it was warm on left or drained, or its ring owner changed: warm handoff is missing or late), overflow (bounded loads sent it to a host where it was not warm). Creates sent by the activator by outcome.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (cause) (rate(fleetgate_gateway_cold_starts_total{${P}}[${RI}]))`,
              legend: '{{cause}}',
            },
            {
              expr: `sum by (outcome) (rate(fleetgate_gateway_activator_creates_total{${P}}[${RI}]))`,
              legend: 'create {{outcome}}',
            },
          ],
        },
        {
          title: 'Pre-warms: useful vs wasted',
          description:
            'Keep-warm pre-warms by result: useful (called before it was deleted), wasted (deleted without a call), failed; and warm handoffs to a new ring owner by result.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (result) (rate(fleetgate_gateway_prewarms_total{${P}}[${RI}]))`,
              legend: '{{result}}',
            },
            {
              expr: `sum by (result) (rate(fleetgate_gateway_keepwarm_handoffs_total{${P}}[${RI}]))`,
              legend: 'handoff {{result}}',
            },
          ],
        },
        {
          title: 'Warm runtimes per host (runtime·seconds per second)',
          description:
            'Warm runtime·seconds per second by host, as the gateway knows them (keep-warm on): the memory keep-warm costs.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (host) (rate(fleetgate_gateway_warm_runtime_seconds_total{${PH}}[${RI}]))`,
              legend: '{{host}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Registry and placement',
      panels: [
        {
          title: 'Registry view age per gateway',
          description:
            'Seconds since each gateway last read the registry (0 while reachable). FleetgateRegistryStale fires above 60 s.',
          unit: 's',
          queries: [
            {
              expr: `max by (instance) (fleetgate_gateway_registry_stale_seconds{${P}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Registry version per gateway',
          description:
            'Version of the registry snapshot each gateway routes on; gateways that agree show one line.',
          unit: 'short',
          queries: [
            {
              expr: `max by (instance) (fleetgate_gateway_registry_version{${P}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Runtimes in the placement map',
          description:
            'Runtimes each gateway knows to be warm somewhere (learned from routed requests and resyncs).',
          unit: 'short',
          queries: [
            {
              expr: `max by (instance) (fleetgate_gateway_placements{${P}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Registry reachable per gateway',
          description: '1 while the gateway reaches the registry, 0 while it routes on its last view.',
          unit: 'short',
          queries: [
            {
              expr: `min by (instance) (fleetgate_gateway_registry_up{${P}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Registry Cluster nodes down',
          description:
            'Redis Cluster nodes the cluster itself flags failed, as the gateways see it (empty for a single Redis or Sentinel). A node down while every slot is served costs nothing but redundancy: replace it.',
          unit: 'short',
          queries: [
            {
              expr: `max(fleetgate_gateway_registry_nodes{state="down",${P}})`,
              legend: 'down',
            },
            {
              expr: `min(fleetgate_gateway_registry_nodes{state="up",${P}})`,
              legend: 'up',
            },
          ],
        },
      ],
    },
  ],
};

/** The fleet and scaler board: desired vs actual hosts, policy metrics, decisions, panic/fallback, leader. */
export const FLEET_DASHBOARD: DashboardSpec = {
  uid: 'fleetgate-fleet',
  title: 'Fleetgate / Fleet and scaler',
  description:
    'What the scaler wants and does: desired vs active, booting and draining hosts, policy metric values, decisions by reason, panic and fallback, the leader lock.',
  hostQuery: HOST_QUERY,
  rows: [
    {
      title: 'Capacity',
      panels: [
        {
          title: 'Desired vs active / booting / draining hosts',
          description:
            'Hosts the last evaluation wanted, and the hosts in the registry by state as the scaler read them.',
          unit: 'short',
          queries: [
            { expr: `max by (pool) (fleetgate_scaler_desired_hosts{${P}})`, legend: 'desired {{pool}}' },
            {
              expr: `max by (pool, state) (fleetgate_scaler_hosts{${P}})`,
              legend: '{{state}} {{pool}}',
            },
          ],
        },
        {
          title: 'Hosts seen by the gateways',
          description:
            'The same fleet from the gateways: hosts in their view by state and the unhealthy ones (worst gateway).',
          unit: 'short',
          queries: [{ expr: `max by (state) (fleetgate_gateway_hosts{${P}})`, legend: '{{state}}' }],
        },
        {
          title: 'Policy metric values',
          description:
            'Last value the scaler read for each policy metric (held while the metric has no data).',
          unit: 'short',
          queries: [
            {
              expr: `max by (pool, metric) (fleetgate_scaler_metric_value{${P}})`,
              legend: '{{metric}} {{pool}}',
            },
          ],
        },
        {
          title: 'Policy metric per active host',
          description:
            'Each policy metric divided by the active hosts: compare with an averagePerHost target (the default policy targets 8 in-flight requests per host).',
          unit: 'short',
          queries: [
            {
              expr: `max by (pool, metric) (fleetgate_scaler_metric_value{${P}}) / on (pool) group_left max by (pool) (fleetgate_scaler_hosts{${P}, state="active"})`,
              legend: '{{metric}} {{pool}}',
            },
          ],
        },
        {
          title: 'Demand: in-flight requests over the pool',
          description:
            'In-flight requests summed over every gateway (recording rule pool:fleetgate_gateway_inflight_requests:sum, what the example policy scales on).',
          unit: 'short',
          queries: [{ expr: `pool:fleetgate_gateway_inflight_requests:sum{${P}}`, legend: '{{pool}}' }],
        },
        {
          title: 'Policy metric validity',
          description: '1 when the last read of a policy metric gave a valid number, 0 when it gave no data.',
          unit: 'short',
          queries: [
            {
              expr: `min by (pool, metric) (fleetgate_scaler_metric_valid{${P}})`,
              legend: '{{metric}} {{pool}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Decisions',
      panels: [
        {
          title: 'Decisions by reason',
          description:
            'Scaler ticks by the reason code of their decision (ScaleUp, ScaleDown, WithinTolerance, MetricNoData, Panic, Fallback, StartupHold, …).',
          unit: 'short',
          stacked: true,
          queries: [
            {
              expr: `sum by (reason) (increase(fleetgate_scaler_decisions_total{${P}}[${RI}]))`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Panic and fallback periods',
          description:
            'Share of ticks (5 m window) that ended in panic mode (demand ≥ threshold × capacity: scale up at once, no scale-down) or in the metric fallback.',
          unit: 'percentunit',
          queries: [
            { expr: `pool:fleetgate_scaler_decisions_panic:ratio_rate5m{${P}}`, legend: 'panic {{pool}}' },
            {
              expr: `pool:fleetgate_scaler_decisions_fallback:ratio_rate5m{${P}}`,
              legend: 'fallback {{pool}}',
            },
          ],
        },
        {
          title: 'Metric source and registry errors',
          description:
            'Policy metric reads that gave no data, by metric and reason (httpError, timeout, empty, notFinite, severalSeries, stale), and ticks that could not reach the registry.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (metric, reason) (increase(fleetgate_scaler_source_errors_total{${P}}[${RI}]))`,
              legend: '{{metric}} {{reason}}',
            },
            {
              expr: `sum by (pool) (increase(fleetgate_scaler_registry_errors_total{${P}}[${RI}]))`,
              legend: 'registry {{pool}}',
            },
          ],
        },
        {
          title: 'Provider operations',
          description:
            'Hosts created and destroyed through the pool provider, by outcome (ok, error, timeout).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (operation, outcome) (increase(fleetgate_scaler_provider_operations_total{${P}}[${RI}]))`,
              legend: '{{operation}} {{outcome}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Scaler',
      panels: [
        {
          title: 'Leader lock',
          description:
            'Which scaler holds each pool lock (1) and follows in dry-run (0). Exactly one leader per pool is healthy.',
          unit: 'short',
          queries: [
            {
              expr: `max by (pool, instance) (fleetgate_scaler_leader{${P}})`,
              legend: '{{instance}} {{pool}}',
            },
            { expr: `pool:fleetgate_scaler_leader:sum{${P}}`, legend: 'leaders {{pool}}' },
          ],
        },
        {
          title: 'Tick duration p95',
          description:
            'Time one tick takes: reading the fleet and metrics, evaluating, acting and recording.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le, pool) (rate(fleetgate_scaler_tick_duration_seconds_bucket{${P}}[${RI}])))`,
              legend: '{{pool}}',
            },
          ],
        },
      ],
    },
  ],
};

/** The executor board: executions, cold starts, runtimes and memory per host, plus the gateways' view. */
export const EXECUTOR_DASHBOARD: DashboardSpec = {
  uid: 'fleetgate-executor',
  title: 'Fleetgate / Executors',
  description:
    "Fleetgate's local executors (executions, runtimes, cold starts, memory), and every host as the gateways see it (works for openruntimes/executor hosts too).",
  hostQuery: HOST_QUERY,
  rows: [
    {
      title: 'Executions',
      panels: [
        {
          title: 'Executions by outcome',
          description:
            'Finished executions per second: success, function_error (the function answered ≥ 400), timeout, failed.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (outcome) (rate(fleetgate_executor_executions_total{${PH}}[${RI}]))`,
              legend: '{{outcome}}',
            },
          ],
        },
        {
          title: 'Executions per host',
          description: 'Finished executions per second on each host.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (host) (rate(fleetgate_executor_executions_total{${PH}}[${RI}]))`,
              legend: '{{host}}',
            },
          ],
        },
        {
          title: 'Execution time p50 / p95 / p99',
          description: 'Execution time, including any cold start it waited for.',
          unit: 's',
          queries: quantiles('fleetgate_executor_execution_duration_seconds', 'le', PH),
        },
        {
          title: 'In-flight executions per host',
          description: 'Executions in progress, including those waiting for a cold start.',
          unit: 'short',
          stacked: true,
          queries: [
            {
              expr: `sum by (host) (fleetgate_executor_inflight_executions{${PH}})`,
              legend: '{{host}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Runtimes',
      panels: [
        {
          title: 'Warm and starting runtimes per host',
          description: 'Runtimes started and listening, and runtimes whose cold start is in progress.',
          unit: 'short',
          queries: [
            { expr: `sum by (host) (fleetgate_executor_warm_runtimes{${PH}})`, legend: 'warm {{host}}' },
            {
              expr: `sum by (host) (fleetgate_executor_starting_runtimes{${PH}})`,
              legend: 'starting {{host}}',
            },
          ],
        },
        {
          title: 'Cold starts per host',
          description: 'Runtime cold starts per second by host and outcome (success, failed, timeout).',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (host, outcome) (rate(fleetgate_executor_cold_starts_total{${PH}}[${RI}]))`,
              legend: '{{outcome}} {{host}}',
            },
          ],
        },
        {
          title: 'Cold start time p50 / p95 / p99',
          description: 'Time from starting a runtime to its port answering.',
          unit: 's',
          queries: quantiles('fleetgate_executor_cold_start_duration_seconds', 'le', PH),
        },
        {
          title: 'Runtimes started and stopped',
          description:
            'Runtimes started, and stopped by reason (idle, evicted, deleted, exited, failed, shutdown).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (host) (increase(fleetgate_executor_runtime_processes_started_total{${PH}}[${RI}]))`,
              legend: 'started {{host}}',
            },
            {
              expr: `sum by (reason) (increase(fleetgate_executor_runtime_processes_stopped_total{${PH}}[${RI}]))`,
              legend: 'stopped: {{reason}}',
            },
          ],
        },
        {
          title: 'Runtime memory over capacity',
          description: 'Memory accounted to warm runtimes (their declared limits) over what the host offers.',
          unit: 'percentunit',
          queries: [
            {
              expr: `sum by (host) (fleetgate_executor_runtime_memory_bytes{${PH}}) / sum by (host) (fleetgate_executor_memory_capacity_bytes{${PH}} > 0)`,
              legend: '{{host}}',
            },
          ],
        },
        {
          title: 'Executor scrape targets up',
          description: '1 when Prometheus scrapes the local executor, 0 when it is down or unreachable.',
          unit: 'short',
          queries: [{ expr: `up{job="fleetgate-executor", ${PH}}`, legend: '{{host}}' }],
        },
      ],
    },
    {
      title: 'Hosts as the gateways see them (any executor)',
      panels: [
        {
          title: 'Upstream latency p50 / p95 per host',
          description:
            'Time from dispatch to response headers per host, measured by the gateways: available for openruntimes/executor hosts, which export no metrics.',
          unit: 's',
          queries: [0.5, 0.95].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le, host) (rate(fleetgate_gateway_upstream_duration_seconds_bucket{${PH}}[${RI}])))`,
            legend: `p${q * 100} {{host}}`,
          })),
        },
        {
          title: 'Upstream requests and errors per host',
          description: 'Requests the gateways sent to each host per second, and failed attempts by kind.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (host) (rate(fleetgate_gateway_upstream_duration_seconds_count{${PH}}[${RI}]))`,
              legend: 'requests {{host}}',
            },
            {
              expr: `sum by (host, kind) (rate(fleetgate_gateway_upstream_errors_total{${PH}}[${RI}]))`,
              legend: '{{kind}} {{host}}',
            },
          ],
        },
      ],
    },
  ],
};

/** Every shipped dashboard, by file name under `metrics/grafana/dashboards/`. */
export const DASHBOARDS: Record<string, DashboardSpec> = {
  'gateway-overview.json': GATEWAY_DASHBOARD,
  'fleet-scaler.json': FLEET_DASHBOARD,
  'executors.json': EXECUTOR_DASHBOARD,
};
