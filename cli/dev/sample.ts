import type { Registry } from 'prom-client';
import type { Gateway } from '../../gateway/app.ts';
import type { HostRegistry } from '../../registry/types.ts';
import type { Histogram, StatusHost, StatusSample } from './status.ts';

/** One metric of prom-client's `getMetricsAsJSON()`. */
interface MetricJson {
  name: string;
  values: Array<{ value: number; metricName?: string; labels: Record<string, string | number> }>;
}

/** Sums every series of a counter or gauge. */
export function sumMetric(metrics: MetricJson[], name: string): number | undefined {
  const m = metrics.find((x) => x.name === name);
  if (!m) return undefined;
  return m.values.reduce((n, v) => n + v.value, 0);
}

/** Merges every series of a histogram into one cumulative histogram. */
export function mergeHistogram(metrics: MetricJson[], name: string): Histogram {
  const m = metrics.find((x) => x.name === name);
  const byLe = new Map<number, number>();
  for (const v of m?.values ?? []) {
    if (v.metricName !== `${name}_bucket`) continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  return { buckets: [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le) };
}

/** Where the dev status reads from: the gateway and scaler running in this process. */
export interface SampleSources {
  gateway: Gateway;
  gatewayMetrics: Registry;
  registry: HostRegistry;
  pool: string;
  /** The scaler's latest desired host count. */
  desired: () => Promise<number | undefined>;
  now: () => number;
}

/** Takes one status sample: registry hosts joined with the gateway's health, load and placement. */
export async function takeSample(s: SampleSources): Promise<StatusSample> {
  const [snapshot, metrics, desired] = await Promise.all([
    s.registry.list(s.pool).catch(() => undefined),
    s.gatewayMetrics.getMetricsAsJSON() as Promise<MetricJson[]>,
    s.desired().catch(() => undefined),
  ]);
  const warm = s.gateway.placement.byHost();
  const seen = new Map(s.gateway.fleet.hosts.map((h) => [h.id, h]));
  const hosts: StatusHost[] = (snapshot?.hosts ?? s.gateway.fleet.hosts).map((h) => {
    const entry = seen.get(h.id);
    return {
      id: h.id,
      state: h.state,
      healthy: entry?.healthy,
      inflight: entry?.inflight ?? 0,
      warm: warm.get(h.id)?.length ?? 0,
    };
  });
  return {
    at: s.now(),
    hosts,
    requests: sumMetric(metrics, 'fleetgate_gateway_requests_total') ?? 0,
    latency: mergeHistogram(metrics, 'fleetgate_gateway_request_duration_seconds'),
    coldRoutes: sumMetric(metrics, 'fleetgate_gateway_cold_routes_total') ?? 0,
    desired,
  };
}
