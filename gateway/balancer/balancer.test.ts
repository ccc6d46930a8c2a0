import { afterEach, describe, expect, it } from 'vitest';
import { lazyHosts, testBalancer, testFleet } from '../../test/support/gateway-fleet.ts';
import type { Fleet } from '../hosts/fleet.ts';
import { PlacementMap } from '../hosts/placement.ts';
import type { BalancePlan, Lease } from './balancer.ts';

const HOSTS = ['e1', 'e2', 'e3', 'e4'];
const plan: BalancePlan = {
  method: 'POST',
  route: '/v1/runtimes/:runtimeId/executions',
  key: 'hot',
  addressing: 'anycast-efficient',
};
const ok = { kind: 'done', status: 200, peek: undefined, headersSeconds: 0.001 } as const;

describe('Balancer with replication', () => {
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.close();
  });

  // Load factor 2: a lone runtime with 22 in flight fits under the cap on 3 of the 4 hosts (at 1.25
  // bounded loads alone would spread it over all 4).
  function setup(perHost: number, clock: { now: number }) {
    fleet = testFleet();
    fleet.apply(lazyHosts(HOSTS));
    const placement = new PlacementMap(1000);
    const balancer = testBalancer(fleet, {
      placement,
      loadFactor: 2,
      replication: { perHost, maxReplicas: 4, windowMs: 1000, tableSize: 16 },
      now: () => clock.now,
    });
    return { balancer, placement };
  }

  it('replicates a runtime with 3 hosts of sustained demand onto the first 3 of its order, evenly loaded', () => {
    const clock = { now: 0 };
    const { balancer, placement } = setup(8, clock);
    const order = fleet.ring.candidates('hot');
    // Warm up: one request learns the runtime warm on its first host.
    balancer.pick(plan)!.release(ok);
    expect(placement.hosts('hot')).toEqual([order[0]]);
    // Sustained: 22 in flight for 5 s (each request is held and replaced every 100 ms).
    const held: Lease[] = [];
    for (; clock.now < 5000; clock.now += 100) {
      while (held.length < 22) held.push(balancer.pick(plan)!);
      const done = held.splice(0, 11);
      for (const l of done) l.release(ok);
    }
    while (held.length < 22) held.push(balancer.pick(plan)!);
    // The pick's kept counts are what a pass over the hosts gives.
    expect([fleet.load.eligible, fleet.load.total]).toEqual([4, fleet.totalInflight()]);
    expect(fleet.load.total).toBe(22);
    // Its demand is the whole load: an owner takes half the cap (2 × 23 ÷ 4 ÷ 2 ≈ 5.75), so 4 owners
    // are allowed, but a new replica starts only when the warm ones are full (8 slots each): 3 are warm.
    expect(balancer.replicaCount('hot')).toBe(4);
    expect(new Set(placement.hosts('hot'))).toEqual(new Set(order.slice(0, 3)));
    const perHost = order.slice(0, 3).map((id) => balancer.runtimeLoads!.on('hot', id));
    expect(perHost.reduce((s, v) => s + v, 0)).toBe(held.length);
    expect(Math.max(...perHost) - Math.min(...perHost)).toBeLessThanOrEqual(2);
    for (const l of held) l.release(ok);
    expect(balancer.runtimeLoads!.size).toBe(0);
    expect(balancer.inflight()).toBe(0);
    expect(fleet.load.total).toBe(0);
  });

  it('counts nothing per runtime when replication is off', () => {
    const { balancer } = setup(0, { now: 0 });
    balancer.pick(plan)!.release(ok);
    expect(balancer.runtimeLoads).toBeUndefined();
    expect(balancer.replicaCount('hot')).toBe(1);
  });
});

describe('Balancer on the table ring', () => {
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.close();
  });

  it('fails over past the ring prefix through every host, in ring order', () => {
    fleet = testFleet();
    const ids = Array.from({ length: 12 }, (_, i) => `h${i}`);
    fleet.apply(lazyHosts(ids));
    const balancer = testBalancer(fleet);
    const tried: string[] = [];
    let lease = balancer.pick(plan);
    while (lease !== undefined) {
      tried.push(lease.host.id);
      lease.release({ kind: 'connect', error: new Error('refused') });
      lease = balancer.pick(plan, lease);
    }
    expect(fleet.ring.depth).toBeLessThan(ids.length);
    expect(tried).toEqual(fleet.ring.candidates('hot'));
  });
});
