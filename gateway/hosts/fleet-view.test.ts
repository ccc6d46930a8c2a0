import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import type { FleetSnapshot, HostRegistry } from '../../registry/types.ts';
import { testFleet } from '../../test/support/gateway-fleet.ts';
import type { Fleet } from './fleet.ts';
import { FleetView } from './fleet-view.ts';

/** A registry whose store can be switched off, as Redis going away. */
class FlakyRegistry implements HostRegistry {
  up = true;
  snapshot: FleetSnapshot = { pool: 'p', version: 1, hosts: [] };
  register = async () => {
    throw new Error('not used');
  };
  setState = async () => undefined;
  deregister = async () => false;
  async list(): Promise<FleetSnapshot> {
    if (!this.up) throw new Error('connection refused');
    return this.snapshot;
  }
  watch() {
    return { stop() {} };
  }
  healthy() {
    return this.up;
  }
  async close() {}
}

describe('FleetView', () => {
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.close();
  });

  it('merges static hosts with the registry; a registry host with the same id wins', async () => {
    fleet = testFleet();
    const registry = new MemoryRegistry();
    await registry.register('p', { id: 'b', url: 'http://127.0.0.1:2', state: 'draining' });
    await registry.register('p', { id: '127.0.0.1:1', url: 'http://127.0.0.1:9', state: 'active' });
    const view = new FleetView({
      fleet,
      registry,
      pool: 'p',
      staticHosts: ['127.0.0.1:1', ' ', 'http://127.0.0.1:3'],
      clock: new ManualClock(0),
      logger: silentLogger(),
      reloadInterval: 0,
    });
    expect(fleet.hosts.map((h) => h.id).sort()).toEqual(['127.0.0.1:1', '127.0.0.1:3']);
    await view.start();
    const byId = Object.fromEntries(fleet.hosts.map((h) => [h.id, [h.url, h.state, h.source]]));
    expect(byId).toEqual({
      '127.0.0.1:1': ['http://127.0.0.1:9', 'active', 'registry'],
      '127.0.0.1:3': ['http://127.0.0.1:3', 'active', 'static'],
      b: ['http://127.0.0.1:2', 'draining', 'registry'],
    });
    expect(fleet.ring.members.map((m) => m.id)).toEqual(['127.0.0.1:1', '127.0.0.1:3']);
    expect(view.stale()).toBe(false);
    view.stop();
    await registry.close();
  });

  it('keeps the last view while the registry is unreachable and reports how stale it is', async () => {
    fleet = testFleet();
    const clock = new ManualClock(1_000);
    const registry = new FlakyRegistry();
    registry.snapshot = {
      pool: 'p',
      version: 7,
      hosts: [
        {
          id: 'a',
          url: 'http://127.0.0.1:1',
          state: 'active',
          weight: 1,
          labels: {},
          provider: 'static',
          registeredAt: 0,
          updatedAt: 0,
        },
      ],
    };
    const view = new FleetView({
      fleet,
      registry,
      pool: 'p',
      staticHosts: [],
      clock,
      logger: silentLogger(),
      reloadInterval: 0,
    });
    await view.start();
    expect(view.version).toBe(7);
    registry.up = false;
    clock.advance(12_000);
    await view.reload();
    expect(fleet.hosts.map((h) => h.id)).toEqual(['a']);
    expect(view.stale()).toBe(true);
    expect(view.staleSeconds()).toBe(12);
    registry.up = true;
    await view.reload();
    expect(view.stale()).toBe(false);
    expect(view.staleSeconds()).toBe(0);
    view.stop();
  });

  it('counts the outage from when it was first seen, not from the last read (readiness grace)', async () => {
    fleet = testFleet();
    const clock = new ManualClock(1_000);
    const registry = new FlakyRegistry();
    const view = new FleetView({
      fleet,
      registry,
      pool: 'p',
      staticHosts: [],
      clock,
      logger: silentLogger(),
      reloadInterval: 0,
    });
    await view.start();
    // Read 25 s ago, then Redis goes away: the outage is 0 s old, not 25.
    clock.advance(25_000);
    registry.up = false;
    expect(view.unreachableMs()).toBe(0);
    clock.advance(4_000);
    await view.reload();
    expect(view.unreachableMs()).toBe(4_000);
    expect(view.staleSeconds()).toBe(29);
    registry.up = true;
    await view.reload();
    expect(view.unreachableMs()).toBe(0);
    // A new outage starts from zero again.
    registry.up = false;
    clock.advance(1_000);
    expect(view.unreachableMs()).toBe(0);
    view.stop();
  });
});
