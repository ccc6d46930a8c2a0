import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { testFleet } from '../../test/support/gateway-fleet.ts';
import { createTableRing, GATEWAY_RING_BUCKETS } from '../ring-table.ts';
import type { Fleet, HostSpec } from './fleet.ts';
import { staticId } from './fleet-view.ts';

describe('staticId', () => {
  it.each([
    ['10.0.0.5:8080', '10.0.0.5:8080'],
    ['http://exec:9000', 'exec:9000'],
  ])('static id of %j is %j', (address, id) => {
    expect(staticId(address)).toBe(id);
  });
});

describe('Fleet.apply', () => {
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.close();
  });
  const spec = (id: string, state: HostSpec['state'] = 'active', weight = 1): HostSpec => ({
    id,
    url: `http://127.0.0.1:1/${''}`.replace(/\/$/, ''),
    state,
    weight,
    source: 'registry',
  });

  it('builds the ring over active hosts only and keeps pools across updates', () => {
    fleet = testFleet();
    expect(fleet.apply([spec('a'), spec('b', 'draining'), spec('c', 'booting')])).toBe(true);
    expect(fleet.ring.members.map((m) => m.id)).toEqual(['a']);
    const pool = fleet.byId.get('a')!.pool;
    expect(fleet.apply([spec('a'), spec('b', 'active'), spec('c', 'booting')])).toBe(true);
    expect(fleet.ring.members.map((m) => m.id)).toEqual(['a', 'b']);
    expect(fleet.byId.get('a')!.pool).toBe(pool);
    expect(fleet.apply([spec('a'), spec('b', 'active'), spec('c', 'booting')])).toBe(false);
    expect(fleet.apply([spec('b')])).toBe(true);
    expect(fleet.hosts.map((h) => h.id)).toEqual(['b']);
  });

  it('routes on a new table at once and completes it in the background; keeps the eligible counts', async () => {
    fleet = testFleet();
    const ids = Array.from({ length: 40 }, (_, i) => `h${i}`);
    fleet.apply([...ids.map((id) => spec(id)), spec('d', 'draining')]);
    expect([fleet.load.eligible, fleet.load.total]).toEqual([40, 0]);
    const fresh = createTableRing(
      ids.map((id) => ({ id, weight: 1 })),
      { buckets: GATEWAY_RING_BUCKETS },
    );
    // Pending right after the change, yet every answer is the complete table's.
    expect(fleet.ring.pending).toBeGreaterThan(0);
    for (let k = 0; k < 200; k++)
      expect(fleet.ring.candidates(`rt-${k}`, 3)).toEqual(fresh.candidates(`rt-${k}`, 3));
    while (fleet.ring.pending > 0) await new Promise((resolve) => setImmediate(resolve));
    for (let k = 0; k < 200; k++)
      expect(fleet.ring.candidates(`rt-${k}`, 3)).toEqual(fresh.candidates(`rt-${k}`, 3));
    fleet.apply([...ids.slice(1).map((id) => spec(id)), spec('d')]);
    expect(fleet.load.eligible).toBe(40);
  });

  it('ignores hosts with an invalid url', () => {
    fleet = testFleet();
    fleet.apply([{ id: 'x', url: 'ftp://nope', state: 'active', weight: 1, source: 'registry' }]);
    expect(fleet.hosts).toEqual([]);
  });

  it('logs a ring rebuild as counts and a few ids, whatever the fleet size', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    fleet = testFleet(createLogger({ level: 'info', destination }));
    const ids = Array.from({ length: 1000 }, (_, i) => `host-${String(i).padStart(4, '0')}`);
    fleet.apply(ids.map((id) => spec(id)));
    fleet.apply([...ids.slice(2).map((id) => spec(id)), spec('new-host')]);
    const rebuilt = lines.filter((l) => l.msg === 'ring rebuilt');
    expect(
      rebuilt.map(({ hosts, added, removed, addedIds, removedIds }) => ({
        hosts,
        added,
        removed,
        addedIds,
        removedIds,
      })),
    ).toEqual([
      { hosts: 1000, added: 1000, removed: 0, addedIds: ids.slice(0, 10), removedIds: [] },
      { hosts: 999, added: 1, removed: 2, addedIds: ['new-host'], removedIds: ids.slice(0, 2) },
    ]);
    expect(JSON.stringify(rebuilt[0]).length).toBeLessThan(600);
  });
});
