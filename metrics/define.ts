import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BatchedHistogram } from './batched-histogram.ts';

/** One metric in a process's table: everything the catalogue and the reference docs need. */
export interface MetricDef<L extends string = string> {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  /** Bounded label names only: route pattern, host id, pool, outcome… never a runtime id. */
  labels: readonly L[];
  /** Base unit, for the reference (`seconds`, `bytes`, `requests`, `hosts`, …). */
  unit: string;
  buckets?: number[];
  /**
   * A histogram observed on every request: built as a `BatchedHistogram` (plain additions on a child
   * the caller keeps, the exposition built when the registry is read) instead of prom-client's.
   */
  batched?: boolean;
}

type Built<T extends Record<string, MetricDef>> = {
  [K in keyof T]: T[K]['type'] extends 'counter'
    ? Counter<T[K]['labels'][number]>
    : T[K]['type'] extends 'gauge'
      ? Gauge<T[K]['labels'][number]>
      : T[K] extends { batched: true }
        ? BatchedHistogram<T[K]['labels'][number]>
        : Histogram<T[K]['labels'][number]>;
};

/**
 * Registers every metric of a table on the injected registry and returns them by key.
 * Each process declares exactly one table (metrics/gateway.ts, metrics/executor.ts, metrics/scaler.ts).
 */
export function buildMetrics<T extends Record<string, MetricDef>>(table: T, registry: Registry): Built<T> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(table)) {
    const common = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry] };
    if (def.type === 'counter') out[key] = new Counter(common);
    else if (def.type === 'gauge') out[key] = new Gauge(common);
    else if (def.batched)
      out[key] = new BatchedHistogram(
        def.name,
        def.help,
        def.labels,
        def.buckets ?? LATENCY_BUCKETS,
        registry,
      );
    else out[key] = new Histogram(def.buckets ? { ...common, buckets: def.buckets } : common);
  }
  return out as Built<T>;
}

/** Latency buckets in seconds, from 1 ms to 60 s. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
