import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricDef } from './define.ts';
import { EXECUTOR_METRICS } from './executor.ts';
import { GATEWAY_METRICS } from './gateway.ts';
import { SCALER_METRICS } from './scaler.ts';

/** The Fleetgate processes that export metrics. */
export type ProcessName = 'gateway' | 'scaler' | 'executor';

/** One process's entry in the catalogue. */
export interface ProcessMetrics {
  process: ProcessName;
  /** What the process is, for the reference. */
  title: string;
  /** Every metric name of the process starts with this. */
  prefix: string;
  /** The Prometheus job that scrapes it in `metrics/prometheus/prometheus.yml`. */
  job: string;
  /** Its metric table (the single place the process declares its metrics). */
  table: Record<string, MetricDef>;
}

/** Every process's metric table in one place, in the order the reference lists them. */
export const CATALOGUE: readonly ProcessMetrics[] = [
  {
    process: 'gateway',
    title: 'Gateway (`fleetgate gateway`)',
    prefix: 'fleetgate_gateway_',
    job: 'fleetgate-gateway',
    table: GATEWAY_METRICS,
  },
  {
    process: 'scaler',
    title: 'Scaler (`fleetgate scaler`)',
    prefix: 'fleetgate_scaler_',
    job: 'fleetgate-scaler',
    table: SCALER_METRICS,
  },
  {
    process: 'executor',
    title: 'Local executor (`fleetgate executor`)',
    prefix: 'fleetgate_executor_',
    job: 'fleetgate-executor',
    table: EXECUTOR_METRICS,
  },
];

/** A metric of the catalogue with the process that exports it. */
export interface CatalogueEntry extends MetricDef {
  process: ProcessName;
  /** Its key in the process table (the property the code uses). */
  key: string;
}

/** Every Fleetgate metric, flattened, in catalogue order. */
export function catalogueEntries(): CatalogueEntry[] {
  return CATALOGUE.flatMap((p) =>
    Object.entries(p.table).map(([key, def]) => ({
      ...def,
      labels: [...def.labels],
      process: p.process,
      key,
    })),
  );
}

/**
 * The series names a metric produces in the exposition format: a histogram `x` gives `x_bucket`,
 * `x_sum` and `x_count`; a counter or gauge is exposed under its own name.
 */
export function seriesNames(def: Pick<MetricDef, 'name' | 'type'>): string[] {
  return def.type === 'histogram'
    ? [`${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`]
    : [def.name];
}

/**
 * A registry for one Fleetgate process with prom-client's default process metrics turned on
 * (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_eventloop_lag_*`, heap and
 * GC figures). Processes create their registry with this so every process exports them.
 */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** One default process metric as prom-client registers it on this platform. */
export interface DefaultMetric {
  name: string;
  type: string;
  help: string;
}

/** The default process metrics prom-client registers here (read from prom-client, not hand-kept). */
export async function defaultProcessMetrics(): Promise<DefaultMetric[]> {
  const registry = createProcessRegistry();
  const metrics = await registry.getMetricsAsJSON();
  return metrics
    .map((m) => ({ name: m.name, type: String(m.type), help: m.help }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
