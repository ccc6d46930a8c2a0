import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../metrics/gateway.ts';
import { RequestMetrics } from './observe.ts';

describe('RequestMetrics', () => {
  it('counts requests by route, method, status class and addressing, and their durations, on flush', async () => {
    const registry = new Registry();
    const metrics = createGatewayMetrics(registry);
    const hot = new RequestMetrics(metrics);
    const route = '/v1/runtimes/:runtimeId/executions';
    hot.record(route, 'POST', 200, 'anycast-efficient', 0.002);
    hot.record(route, 'POST', 201, 'anycast-efficient', 0.003);
    hot.record(route, 'POST', 503, 'anycast-fast', 0.2);
    hot.record('other', 'GET', 0, 'unknown', 0.0001);
    hot.upstreamSeconds('h1', 0.001);
    hot.picked('ring');
    hot.picked('ring');
    hot.flush();
    const text = await registry.metrics();
    const requests = (labels: string) => `fleetgate_gateway_requests_total{${labels}}`;
    expect(text).toContain(
      `${requests(`route="${route}",method="POST",status_class="2xx",addressing="anycast-efficient"`)} 2`,
    );
    expect(text).toContain(
      `${requests(`route="${route}",method="POST",status_class="5xx",addressing="anycast-fast"`)} 1`,
    );
    expect(text).toContain(
      `${requests('route="other",method="GET",status_class="none",addressing="unknown"')} 1`,
    );
    expect(text).toContain(`fleetgate_gateway_request_duration_seconds_count{route="${route}"} 3`);
    expect(text).toContain(
      `fleetgate_gateway_request_duration_seconds_bucket{le="0.0025",route="${route}"} 1`,
    );
    expect(text).toContain('fleetgate_gateway_upstream_duration_seconds_count{host="h1"} 1');
    expect(text).toContain('fleetgate_gateway_picks_total{reason="ring"} 2');
    // A second flush adds only what came since.
    hot.record(route, 'POST', 200, 'anycast-efficient', 0.002);
    hot.flush();
    expect(await registry.metrics()).toContain(
      `${requests(`route="${route}",method="POST",status_class="2xx",addressing="anycast-efficient"`)} 3`,
    );
  });
});
