import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildMetrics, type MetricDef } from './define.ts';

const table = {
  requests: {
    name: 't_requests_total',
    type: 'counter',
    help: 'Requests.',
    labels: ['code'],
    unit: 'requests',
  },
  inflight: { name: 't_inflight', type: 'gauge', help: 'In flight.', labels: [], unit: 'requests' },
  latency: {
    name: 't_latency_seconds',
    type: 'histogram',
    help: 'Latency.',
    labels: [],
    unit: 'seconds',
    buckets: [0.1, 1],
  },
} as const satisfies Record<string, MetricDef>;

describe('buildMetrics', () => {
  it('registers each metric of the table on the injected registry only', async () => {
    const registry = new Registry();
    const m = buildMetrics(table, registry);
    m.requests.inc({ code: '2xx' });
    m.inflight.set(3);
    m.latency.observe(0.5);
    const text = await registry.metrics();
    expect(text).toContain('t_requests_total{code="2xx"} 1');
    expect(text).toContain('t_inflight 3');
    expect(text).toContain('t_latency_seconds_bucket{le="1"} 1');
  });
});
