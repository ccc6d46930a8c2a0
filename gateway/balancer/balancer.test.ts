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

describe('Balancer with warmSlots', () => {
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.close();
  });

  it('keeps a lone runtime on its warm host past the bounded-load cap until its slots there are full', () => {
    fleet = testFleet();
    fleet.apply(lazyHosts(HOSTS));
    const owner = fleet.ring.candidates('hot')[0]!;
    // A fresh placement each time, warm on the owner only (an answer teaches the host it came from).
    const pickAll = (warmSlots: number | undefined, n: number) => {
      const placement = new PlacementMap(1000);
      placement.markWarm('hot', owner);
      const balancer = testBalancer(fleet, { placement, warmSlots });
      const held = Array.from({ length: n }, () => balancer.pick(plan)!);
      const hosts = held.map((l) => l.host.id);
      for (const l of held) l.release(ok);
      return { balancer, hosts };
    };
    // Off: the cap (max(ceil(1.25 × (n + 1) / 4), 4) = 4 for the 5th) sends the 5th request elsewhere.
    expect(pickAll(undefined, 5).hosts.filter((h) => h !== owner)).toHaveLength(1);
    // 8 slots: the first 8 stay on the warm owner; the 9th spills.
    const on = pickAll(8, 9);
    expect(on.hosts.slice(0, 8)).toEqual(Array(8).fill(owner));
    expect(on.hosts[8]).not.toBe(owner);
    expect(on.balancer.runtimeLoads!.size).toBe(0);
  });
});
