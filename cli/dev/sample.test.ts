import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { mergeHistogram, sumMetric } from './sample.ts';

describe('reading the gateway metrics in process', () => {
  it('sums a counter over its labels and merges a histogram by bucket', async () => {
    const registry = new Registry();
    const requests = new Counter({
      name: 'req_total',
      help: 'h',
      labelNames: ['route'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'dur_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    requests.inc({ route: 'a' }, 3);
    requests.inc({ route: 'b' }, 2);
    duration.observe({ route: 'a' }, 0.05);
    duration.observe({ route: 'b' }, 0.5);
    duration.observe({ route: 'b' }, 5);
    const json = (await registry.getMetricsAsJSON()) as Parameters<typeof sumMetric>[0];
    expect(sumMetric(json, 'req_total')).toBe(5);
    expect(sumMetric(json, 'missing_total')).toBeUndefined();
    expect(mergeHistogram(json, 'dur_seconds').buckets).toEqual([
      { le: 0.1, count: 1 },
      { le: 1, count: 2 },
      { le: Number.POSITIVE_INFINITY, count: 3 },
    ]);
  });
});
