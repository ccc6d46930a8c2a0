import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { createTableRing } from '../ring-table.ts';
import { EligibleLoad } from './eligible-load.ts';
import { type HostLoad, pick } from './pick.ts';

type Host = { -readonly [K in keyof HostLoad]: HostLoad[K] };

/** What a pass over the hosts counts: the reference the kept counts must equal. */
function recount(hosts: readonly Host[]): { eligible: number; total: number } {
  const eligible = hosts.filter((h) => h.state === 'active' && h.healthy);
  return { eligible: eligible.length, total: eligible.reduce((n, h) => n + h.inflight, 0) };
}

describe('EligibleLoad', () => {
  it('counts active healthy hosts and their in-flight requests', () => {
    const hosts: Host[] = [
      { id: 'a', state: 'active', healthy: true, inflight: 3 },
      { id: 'b', state: 'draining', healthy: true, inflight: 5 },
      { id: 'c', state: 'active', healthy: false, inflight: 7 },
      { id: 'd', state: 'booting', healthy: true, inflight: 0 },
    ];
    const load = new EligibleLoad();
    load.reset(hosts);
    expect([load.eligible, load.total]).toEqual([1, 3]);
    hosts[2]!.healthy = true;
    load.refresh(hosts[2]!);
    expect([load.eligible, load.total]).toEqual([2, 10]);
    hosts[1]!.inflight += 1;
    load.add(hosts[1]!, 1); // draining: not counted
    expect(load.total).toBe(10);
    load.reset(hosts.slice(1)); // `a` left
    expect([load.eligible, load.total]).toEqual([1, 7]);
    hosts[0]!.inflight -= 1;
    load.add(hosts[0]!, -1); // a request ending on a host that left changes nothing
    expect(load.total).toBe(7);
  });

  it('equals a recount, and the pick with it equals the pick without, through random changes', () => {
    const random = seededRandom(15);
    let hosts: Host[] = Array.from({ length: 30 }, (_, i) => ({
      id: `h${i}`,
      state: 'active',
      healthy: true,
      inflight: 0,
    }));
    let next = hosts.length;
    let ring = createTableRing(
      hosts.map((h) => ({ id: h.id, weight: 1 })),
      { buckets: 1024, depth: 4 },
    );
    const load = new EligibleLoad();
    load.reset(hosts);
    let picks = 0;
    for (let step = 0; step < 5000; step++) {
      const r = random();
      const h = hosts[Math.floor(random() * hosts.length)]!;
      if (r < 0.7) {
        const delta = h.inflight > 0 && random() < 0.5 ? -1 : 1;
        h.inflight += delta;
        load.add(h, delta);
      } else if (r < 0.85) {
        h.healthy = !h.healthy;
        load.refresh(h);
      } else if (r < 0.95) {
        h.state = h.state === 'active' ? 'draining' : 'active';
        load.reset(hosts);
      } else {
        // A host leaves with requests in flight, another joins; the leaver's requests end later.
        hosts = hosts.filter((x) => x !== h);
        hosts.push({ id: `h${next++}`, state: 'active', healthy: true, inflight: 0 });
        load.reset(hosts);
        h.inflight -= 1;
        load.add(h, -1);
        ring = ring.update(hosts.filter((x) => x.state === 'active').map((x) => ({ id: x.id, weight: 1 })));
      }
      expect({ eligible: load.eligible, total: load.total }).toEqual(recount(hosts));
      if (step % 10 !== 0) continue;
      const input = {
        key: `rt-${step % 97}`,
        addressing: 'anycast-efficient' as const,
        hosts,
        ring,
        isWarm: (id: string) => id.endsWith('3'),
        warmHosts: () => hosts.filter((x) => x.id.endsWith('3')).map((x) => x.id),
        loadFactor: 1.25,
        random: () => 0.5,
      };
      const counted = pick({ ...input, counts: load });
      const passed = pick(input);
      expect(counted.order.slice(0, 4)).toEqual(passed.order.slice(0, 4));
      expect(counted.reason).toBe(passed.reason);
      picks += 1;
    }
    expect(picks).toBe(500);
  });
});
