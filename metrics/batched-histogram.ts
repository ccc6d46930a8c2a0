import type { Metric, Registry } from 'prom-client';

/** One sample as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One label set of a `BatchedHistogram`: what the hot path holds on to and observes into. */
export class HistogramCounts {
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    private readonly bounds: Float64Array,
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts one observation: a bucket search over a typed array and three additions, nothing allocated. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** Back to no observations. */
  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A Prometheus histogram for the request path: the same exposition as prom-client's `Histogram`
 * (`_bucket{le}` cumulative, `+Inf`, `_sum`, `_count`), but an observation is a few additions on a
 * child the caller keeps (prom-client hashes the label object into a string key on every
 * `observe`). The exposition is built only when the registry is read. Registered through
 * prom-client's `Registry.registerMetric`, which reads any metric by its `get()`.
 */
export class BatchedHistogram<L extends string = string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private readonly children = new Map<string, HistogramCounts>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child for these label values (in `labelNames` order); keep it: looking it up costs a join. */
  labels(...values: string[]): HistogramCounts {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (child === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i]!;
      });
      child = new HistogramCounts(this.bounds, labels);
      this.children.set(key, child);
    }
    return child;
  }

  /** prom-client's metric contract: the samples, read by the registry when it is scraped. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Sample[];
    aggregator: 'sum';
  }> {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const child of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += child.counts[i]!;
        values.push({
          metricName: bucket,
          labels: { le: this.bounds[i]!, ...child.labels },
          value: cumulative,
        });
      }
      values.push({ metricName: bucket, labels: { le: '+Inf', ...child.labels }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...child.labels }, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...child.labels }, value: child.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  /** Zeroes every label set (prom-client's `Registry.resetMetrics`); children held elsewhere stay live. */
  reset(): void {
    for (const child of this.children.values()) child.clear();
  }
}
