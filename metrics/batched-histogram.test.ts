import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BatchedHistogram } from './batched-histogram.ts';
import { buildMetrics, type MetricDef } from './define.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// On the bounds, between them, below the first and above the last.
const VALUES = [0.0005, 0.001, 0.002, 0.01, 0.05, 0.1, 0.7, 1, 3, 42];

describe('BatchedHistogram', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({
      name: 't_seconds',
      help: 'Latency.',
      labelNames: ['route', 'host'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const batched = new BatchedHistogram('t_seconds', 'Latency.', ['route', 'host'], BUCKETS, ours);
    const a = batched.labels('/a', 'h1');
    const b = batched.labels('/b', 'h2');
    for (const v of VALUES) {
      reference.labels('/a', 'h1').observe(v);
      a.observe(v);
    }
    reference.labels('/b', 'h2').observe(0.02);
    b.observe(0.02);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // The JSON form too, but for prom-client's exemplar slots (always empty here).
    const withoutExemplars = (metrics: { values: object[] }[]) =>
      metrics.map((m) => ({
        ...m,
        values: m.values.map(({ exemplar: _, ...v }: { exemplar?: unknown }) => v),
      }));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
      withoutExemplars(await theirs.getMetricsAsJSON()),
    );
  });

  it('gives the same child for the same label values, and zeroes (keeps) children on reset', async () => {
    const registry = new Registry();
    const h = new BatchedHistogram('t_seconds', 'Latency.', ['route'], BUCKETS, registry);
    const child = h.labels('/a');
    expect(h.labels('/a')).toBe(child);
    child.observe(0.5);
    registry.resetMetrics();
    child.observe(0.005);
    const text = await registry.metrics();
    expect(text).toContain('t_seconds_count{route="/a"} 1');
    expect(text).toContain('t_seconds_sum{route="/a"} 0.005');
    expect(text).toContain('t_seconds_bucket{le="0.01",route="/a"} 1');
  });

  it('refuses label values that do not match its label names', () => {
    const h = new BatchedHistogram('t_seconds', 'Latency.', ['route'], BUCKETS, new Registry());
    expect(() => h.labels('/a', 'extra')).toThrow(/expected 1 label values, got 2/);
  });

  it('is what buildMetrics makes of a histogram marked batched', () => {
    const table = {
      latency: {
        name: 't_latency_seconds',
        type: 'histogram',
        help: 'Latency.',
        labels: ['route'],
        unit: 'seconds',
        buckets: BUCKETS,
        batched: true,
      },
    } as const satisfies Record<string, MetricDef>;
    const m = buildMetrics(table, new Registry());
    expect(m.latency).toBeInstanceOf(BatchedHistogram);
  });
});
