import type { GatewayMetrics } from '../metrics/gateway.ts';
import type { Fleet } from './hosts/fleet.ts';
import type { FleetView } from './hosts/fleet-view.ts';
import type { PlacementMap } from './hosts/placement.ts';
import { ringShares } from './ring.ts';
import type { AddressingMethod } from './route.ts';

type HistogramChild = ReturnType<GatewayMetrics['requestDuration']['labels']>;
type Pending = { labels: string[]; n: number };

/** What one route has gathered since the last flush: its duration child and its request counts. */
interface RouteCounts {
  duration: HistogramChild;
  /** Pending counts by method, then by status class and addressing (see `slot`). */
  byMethod: Map<string, (Pending | undefined)[]>;
}

/**
 * Per-request metrics, cheap on the hot path: counters are plain numbers added to prom-client only
 * when the registry is read (`flush`, wired as the counters' `collect` hook); the duration histograms
 * are batched (`metrics/batched-histogram.ts`) and their children cached per label value. Recording a
 * request builds no string: two map lookups by constant strings and an array slot.
 */
export class RequestMetrics {
  private readonly routes = new Map<string, RouteCounts>();
  private readonly requests: Pending[] = [];
  private readonly picks = new Map<string, Pending>();
  private readonly upstream = new Map<string, ReturnType<GatewayMetrics['upstreamDuration']['labels']>>();

  constructor(private readonly metrics: GatewayMetrics) {}

  /** Records one answered request. */
  record(route: string, method: string, status: number, addressing: Addressing, seconds: number): void {
    let counts = this.routes.get(route);
    if (counts === undefined) {
      counts = { duration: this.metrics.requestDuration.labels(route), byMethod: new Map() };
      this.routes.set(route, counts);
    }
    let slots = counts.byMethod.get(method);
    if (slots === undefined) {
      slots = [];
      counts.byMethod.set(method, slots);
    }
    const cls = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    const i = cls * ADDRESSING.length + ADDRESSING.indexOf(addressing);
    const pending = slots[i];
    if (pending === undefined) {
      const labels = [route, method, STATUS_CLASSES[cls]!, addressing];
      const fresh = { labels, n: 1 };
      slots[i] = fresh;
      this.requests.push(fresh);
    } else pending.n += 1;
    counts.duration.observe(seconds);
  }

  /** Counts one pick by its reason. */
  picked(reason: string): void {
    const pending = this.picks.get(reason);
    if (pending === undefined) this.picks.set(reason, { labels: [reason], n: 1 });
    else pending.n += 1;
  }

  /** Records the time to upstream response headers for `host`. */
  upstreamSeconds(host: string, seconds: number): void {
    let child = this.upstream.get(host);
    if (child === undefined) {
      child = this.metrics.upstreamDuration.labels(host);
      this.upstream.set(host, child);
    }
    child.observe(seconds);
  }

  /** Adds the counts gathered since the last flush to the prom-client counters. */
  flush(): void {
    for (const p of this.requests) {
      if (p.n === 0) continue;
      this.metrics.requests.labels(...p.labels).inc(p.n);
      p.n = 0;
    }
    for (const p of this.picks.values()) {
      if (p.n === 0) continue;
      this.metrics.picks.labels(...p.labels).inc(p.n);
      p.n = 0;
    }
  }
}

/** Status class labels by `Math.floor(status / 100)`; 0 for a request answered with no status. */
const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];
/** The addressing label of a request: its addressing method, or `unknown` when refused before it was read. */
type Addressing = AddressingMethod | 'unknown';
const ADDRESSING: readonly Addressing[] = ['anycast-efficient', 'anycast-fast', 'broadcast', 'unknown'];

/** Sets the gauges that describe state (hosts, in-flight, registry) right before a scrape. */
export function refreshStateGauges(
  metrics: GatewayMetrics,
  fleet: Fleet,
  view: FleetView,
  placement: PlacementMap,
  registryConfigured: boolean,
  registryNodes?: { up: number; down: number },
): void {
  metrics.inflight.reset();
  metrics.openStreams.reset();
  metrics.warmRuntimes.reset();
  const warm = placement.countsByHost();
  const states = { booting: 0, active: 0, draining: 0, unhealthy: 0 };
  for (const h of fleet.hosts) {
    metrics.inflight.set({ host: h.id }, h.inflight);
    metrics.openStreams.set({ host: h.id }, h.streams);
    metrics.warmRuntimes.set({ host: h.id }, warm.get(h.id) ?? 0);
    states[h.state] += 1;
    if (!h.healthy) states.unhealthy += 1;
  }
  for (const [state, n] of Object.entries(states)) metrics.hosts.set({ state }, n);
  metrics.placements.set(placement.size);
  metrics.registryVersion.set(view.version);
  metrics.registryStale.set(view.staleSeconds());
  metrics.registryUp.set(registryConfigured && view.stale() ? 0 : 1);
  if (registryNodes) {
    metrics.registryNodes.set({ state: 'up' }, registryNodes.up);
    metrics.registryNodes.set({ state: 'down' }, registryNodes.down);
  }
}

/** The body of `GET /v1/fleet`: hosts, health, in-flight, ring share, warm runtimes. Never secrets. */
export function fleetReport(
  fleet: Fleet,
  view: FleetView,
  placement: PlacementMap,
  pool: string,
  maxListed = 1000,
) {
  const shares = ringShares(fleet.ring);
  const warm = placement.byHost();
  return {
    pool,
    registry: { version: view.version, stale: view.stale(), staleSeconds: view.staleSeconds() },
    ringHosts: fleet.ring.members.length,
    inflight: fleet.totalInflight(),
    placements: placement.size,
    hosts: fleet.hosts.map((h) => {
      const runtimes = warm.get(h.id) ?? [];
      return {
        id: h.id,
        url: h.url,
        state: h.state,
        source: h.source,
        weight: h.weight,
        healthy: h.healthy,
        consecutiveFailures: h.health.consecutiveFailures,
        lastError: h.health.lastError ?? null,
        inflight: h.inflight,
        streams: h.streams,
        ringShare: shares.get(h.id) ?? 0,
        usage: h.usage ?? null,
        warmRuntimeCount: runtimes.length,
        warmRuntimes: runtimes.slice(0, maxListed),
      };
    }),
  };
}
