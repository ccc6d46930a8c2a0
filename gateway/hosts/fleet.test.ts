import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { Fleet, type HostSpec } from './fleet.ts';
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
    fleet = new Fleet({
      logger: silentLogger(),
      now: () => 0,
      health: { ejectAfter: 3, interval: 1000, backoffMin: 100, backoffMax: 1000 },
      pool: { connectTimeout: 1000, keepAliveTimeout: 1000 },
    });
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

  it('ignores hosts with an invalid url', () => {
    fleet = new Fleet({
      logger: silentLogger(),
      now: () => 0,
      health: { ejectAfter: 3, interval: 1000, backoffMin: 100, backoffMax: 1000 },
      pool: { connectTimeout: 1000, keepAliveTimeout: 1000 },
    });
    fleet.apply([{ id: 'x', url: 'ftp://nope', state: 'active', weight: 1, source: 'registry' }]);
    expect(fleet.hosts).toEqual([]);
  });
});
