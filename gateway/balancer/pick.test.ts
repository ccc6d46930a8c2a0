import { describe, expect, it } from 'vitest';
import { createRing } from '../ring.ts';
import { boundedLoadCap, type HostLoad, type PickInput, pick } from './pick.ts';

const ids = ['h0', 'h1', 'h2', 'h3'];
const ring = createRing(ids.map((id) => ({ id, weight: 1 })));
const KEY = 'rt-1';
const pref = ring.candidates(KEY); // the ring's own preference order for KEY

function hostsWith(over: Record<string, Partial<HostLoad>> = {}): HostLoad[] {
  return ids.map((id) => ({ id, state: 'active', healthy: true, inflight: 0, ...over[id] }));
}

function input(over: Partial<PickInput> = {}): PickInput {
  return {
    key: KEY,
    addressing: 'anycast-efficient',
    hosts: hostsWith(),
    ring,
    isWarm: () => false,
    loadFactor: 1.25,
    random: () => 0.5,
    ...over,
  };
}

describe('boundedLoadCap', () => {
  it.each([
    [0, 4, 1.25, 1],
    [3, 4, 1.25, 2],
    [39, 4, 1.25, 13],
    [10, 1, 1.25, 14],
    [7, 4, 1, 2],
    [7, 4, 0.5, 2], // c below 1 is treated as 1: the cap must leave room for the new request
    [5, 0, 1.25, 0],
  ])('total=%i hosts=%i c=%f → %i', (total, n, c, cap) => {
    expect(boundedLoadCap(total, n, c)).toBe(cap);
  });
});

describe('pick (anycast-efficient)', () => {
  it('follows the ring when every host is idle', () => {
    expect(pick(input())).toEqual({ order: pref, reason: 'ring', warm: false });
  });

  it('prefers a host where the runtime is warm, even if it is not first on the ring', () => {
    const warmHost = pref[2]!;
    const r = pick(input({ isWarm: (id) => id === warmHost }));
    expect(r).toEqual({
      order: [warmHost, ...pref.filter((x) => x !== warmHost)],
      reason: 'warm',
      warm: true,
    });
  });

  it('ignores warmth when warm preference is off', () => {
    const r = pick(input({ isWarm: (id) => id === pref[2], warmPreference: false }));
    expect(r.order[0]).toBe(pref[0]);
    expect(r.reason).toBe('ring');
  });

  it('skips a warm host that is over the bounded-load cap', () => {
    // total 12 → cap ceil(1.25 × 13 / 4) = 5; the warm host has 9 in flight
    const warmHost = pref[1]!;
    const hosts = hostsWith({ [warmHost]: { inflight: 9 }, [pref[0]!]: { inflight: 3 } });
    const r = pick(input({ hosts, isWarm: (id) => id === warmHost }));
    expect(r.order[0]).toBe(pref[0]);
    expect(r.reason).toBe('ring');
  });

  it('warmSlots: a warm host at the cap still takes the runtime while it has free slots there', () => {
    // total 12 → cap 5; the warm host has 9 in flight, of which 3 of this runtime.
    const warmHost = pref[1]!;
    const hosts = hostsWith({ [warmHost]: { inflight: 9 }, [pref[0]!]: { inflight: 3 } });
    const isWarm = (id: string) => id === warmHost;
    const free = pick(input({ hosts, isWarm, warmSlots: { slots: 4, runtimeLoadOf: () => 3 } }));
    expect(free.order[0]).toBe(warmHost);
    expect(free.reason).toBe('warm');
    // Its slots full: a cold host within the cap, as without warmSlots.
    const full = pick(input({ hosts, isWarm, warmSlots: { slots: 3, runtimeLoadOf: () => 3 } }));
    expect(full.order[0]).toBe(pref[0]);
    expect(full.reason).toBe('ring');
  });

  it('warmSlots: a warm host within the cap still comes before a warm host past it', () => {
    const hosts = hostsWith({ [pref[0]!]: { inflight: 9 }, [pref[1]!]: { inflight: 3 } });
    const r = pick(input({ hosts, isWarm: () => true, warmSlots: { slots: 8, runtimeLoadOf: () => 0 } }));
    expect(r.order[0]).toBe(pref[1]);
  });

  it('overflows to the next candidate when the first is at the cap', () => {
    const hosts = hostsWith({ [pref[0]!]: { inflight: 10 } }); // cap ceil(1.25 × 11 / 4) = 4
    const r = pick(input({ hosts }));
    expect(r.order).toEqual([pref[1], pref[0], pref[2], pref[3]]);
    expect(r.reason).toBe('overflow');
  });

  it('does not cap when bounded loads are off', () => {
    const hosts = hostsWith({ [pref[0]!]: { inflight: 100 } });
    expect(pick(input({ hosts, boundedLoads: false })).order[0]).toBe(pref[0]);
  });

  it.each([
    ['draining', { state: 'draining' as const }],
    ['booting', { state: 'booting' as const }],
    ['unhealthy', { healthy: false }],
  ])('never sends new work to a %s host', (_name, over) => {
    const r = pick(input({ hosts: hostsWith({ [pref[0]!]: over }), isWarm: (id) => id === pref[0] }));
    expect(r.order).not.toContain(pref[0]);
    expect(r.order[0]).toBe(pref[1]);
  });

  it('skips hosts already tried', () => {
    const r = pick(input({ exclude: new Set([pref[0]!, pref[1]!]) }));
    expect(r.order).toEqual([pref[2], pref[3]]);
  });

  it('falls back to unhealthy active hosts when no host is healthy', () => {
    const hosts = ids.map((id) => ({ id, state: 'active' as const, healthy: false, inflight: 0 }));
    const r = pick(input({ hosts }));
    expect(r.reason).toBe('unhealthy-fallback');
    expect(r.order).toEqual(pref);
  });

  it('answers none when there is no active host at all', () => {
    const hosts = ids.map((id) => ({ id, state: 'draining' as const, healthy: true, inflight: 0 }));
    expect(pick(input({ hosts }))).toEqual({ order: [], reason: 'none', warm: false });
    expect(pick(input({ hosts: [] }))).toEqual({ order: [], reason: 'none', warm: false });
  });

  it('keeps the load under the cap for a single hot key', () => {
    // Simulate 200 concurrent requests for one runtime: no host may exceed the cap at any point.
    const loads = new Map(ids.map((id) => [id, 0]));
    for (let i = 0; i < 200; i++) {
      const hosts = ids.map((id) => ({
        id,
        state: 'active' as const,
        healthy: true,
        inflight: loads.get(id)!,
      }));
      const total = [...loads.values()].reduce((a, b) => a + b, 0);
      const chosen = pick(input({ hosts })).order[0]!;
      expect(loads.get(chosen)!).toBeLessThan(boundedLoadCap(total, 4, 1.25));
      loads.set(chosen, loads.get(chosen)! + 1);
    }
    // At the end no host holds more than ceil(1.25 × 200 / 4) = 63 of the 200 requests (a plain ring: all 200).
    expect(Math.max(...loads.values())).toBeLessThanOrEqual(63);
  });
});

describe('pick (anycast-fast and no key)', () => {
  it.each([
    // random() values pick indexes i then j among the remaining hosts
    ['picks the less loaded of the two sampled hosts', [0.0, 0.4], { h0: 5, h2: 1 }, 'h2'],
    ['keeps the first when loads tie', [0.0, 0.4], {}, 'h0'],
    ['samples two distinct hosts', [0.75, 0.9], { h3: 4, h2: 0 }, 'h2'],
  ])('%s', (_name, draws, loads, expected) => {
    const seq = [...(draws as number[])];
    const hosts = hostsWith(Object.fromEntries(Object.entries(loads).map(([k, v]) => [k, { inflight: v }])));
    const r = pick(input({ key: undefined, hosts, random: () => seq.shift() ?? 0 }));
    expect(r.reason).toBe('p2c');
    expect(r.order[0]).toBe(expected);
    expect(new Set(r.order).size).toBe(4);
  });

  it('uses power of two choices for anycast-fast even with a key', () => {
    const r = pick(input({ addressing: 'anycast-fast', random: () => 0 }));
    expect(r.reason).toBe('p2c');
  });

  it('orders the failover candidates least loaded first', () => {
    const hosts = hostsWith({
      h0: { inflight: 1 },
      h1: { inflight: 9 },
      h2: { inflight: 3 },
      h3: { inflight: 2 },
    });
    const seq = [0.0, 0.0]; // samples h0 and h1 → h0 wins
    const r = pick(input({ key: undefined, hosts, random: () => seq.shift() ?? 0 }));
    expect(r.order).toEqual(['h0', 'h3', 'h2', 'h1']);
  });

  it('works with a single host', () => {
    const r = pick(
      input({ key: undefined, hosts: [{ id: 'h0', state: 'active', healthy: true, inflight: 3 }] }),
    );
    expect(r.order).toEqual(['h0']);
  });
});

describe('pick with a load floor', () => {
  it('keeps a warm runtime’s second concurrent request on its warm host at low load', () => {
    const warmHost = pref[1]!;
    const hosts = hostsWith({ [warmHost]: { inflight: 1 } }); // plain cap: ceil(1.25 × 2 / 4) = 1
    const isWarm = (id: string) => id === warmHost;
    expect(pick(input({ hosts, isWarm })).order[0]).not.toBe(warmHost);
    expect(pick(input({ hosts, isWarm, loadFloor: 4 }))).toMatchObject({ reason: 'warm', warm: true });
  });

  it.each([
    [0, 4, 1.25, 4, 4],
    [39, 4, 1.25, 4, 13],
    [3, 4, 1.25, 2.9, 2],
  ])('total=%i hosts=%i c=%f floor=%f → %i', (total, n, c, floor, cap) => {
    expect(boundedLoadCap(total, n, c, floor)).toBe(cap);
  });
});

describe('pick with replication', () => {
  it('spreads a runtime over its warm owners at high load, and counts warm followers as owners', () => {
    const [a, b] = pref as [string, string];
    const hosts = hostsWith({ [a]: { inflight: 3 }, [b]: { inflight: 1 }, [pref[2]!]: { inflight: 4 } });
    // replicas 1, but b, next in order, is warm: an owner too
    const replication = { perHost: 8, replicas: 1, runtimeLoadOf: () => 0, movableLoadOf: () => 0 };
    const isWarm = (id: string) => id === a || id === b;
    const loadFactor = 2; // cap ceil(2 × 9 / 4) = 5: both owners are under it
    // total 8 on 4 hosts, floor 1: above the floor → spread → b, the less loaded owner
    expect(pick(input({ hosts, isWarm, replication, loadFactor }))).toMatchObject({
      reason: 'warm',
      warm: true,
    });
    expect(pick(input({ hosts, isWarm, replication, loadFactor })).order[0]).toBe(b);
    // without replication: the first warm host in order
    expect(pick(input({ hosts, isWarm, loadFactor })).order[0]).toBe(a);
    // at low load (the cap at its floor) too: spreading over warm owners costs no cold start
    expect(pick(input({ hosts, isWarm, replication, loadFactor, loadFloor: 8 })).order[0]).toBe(b);
  });
});
