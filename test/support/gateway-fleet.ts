import { Registry } from 'prom-client';
import { Balancer, type BalancerDeps } from '../../gateway/balancer/balancer.ts';
import { Fleet, type HostSpec } from '../../gateway/hosts/fleet.ts';
import { PlacementMap } from '../../gateway/hosts/placement.ts';
import { RequestMetrics } from '../../gateway/observe.ts';
import { type Logger, silentLogger } from '../../lib/logger.ts';
import { seededRandom } from '../../lib/random.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../metrics/gateway.ts';

// What the gateway's unit tests share to stand up a fleet and a balancer in memory: nothing here
// opens a socket (undici pools connect on their first request, and these tests send none).

/** A fleet with the health and pool options of the unit tests, its clock at 0; silent by default. */
export function testFleet(logger: Logger = silentLogger()): Fleet {
  return new Fleet({
    logger,
    now: () => 0,
    health: { ejectAfter: 3, interval: 1000, backoffMin: 100, backoffMax: 1000 },
    pool: { connectTimeout: 1000, keepAliveTimeout: 1000 },
  });
}

/** Active static hosts of weight 1, at http://127.0.0.1:1, :2, … in order (never connected to). */
export function lazyHosts(ids: readonly string[]): HostSpec[] {
  return ids.map((id, i) => ({
    id,
    url: `http://127.0.0.1:${i + 1}`,
    state: 'active',
    weight: 1,
    source: 'static',
  }));
}

/**
 * A balancer on `fleet`: bounded loads (factor 1.25, floor 4), warm preference, power of two choices
 * for keyless requests, a seeded random, no-op passive health, a fresh placement map; its metrics and
 * request metrics on `metrics` (a fresh registry's by default); `overrides` last.
 */
export function testBalancer(
  fleet: Fleet,
  overrides: Partial<BalancerDeps> = {},
  metrics: GatewayMetrics = createGatewayMetrics(new Registry()),
): Balancer {
  return new Balancer({
    fleet,
    health: { passiveFailure: () => undefined, passiveSuccess: () => undefined },
    placement: new PlacementMap(1000),
    metrics,
    hot: new RequestMetrics(metrics),
    random: seededRandom(1),
    loadFactor: 1.25,
    loadFloor: 4,
    boundedLoads: true,
    warmPreference: true,
    legacyAlgorithm: undefined,
    ...overrides,
  });
}
