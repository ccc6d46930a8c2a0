import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { coordinationContract } from './contract.ts';
import { memoryCoordination } from './memory.ts';
import type { Coordination } from './types.ts';

const clock = new ManualClock(1_000_000);
// One store per decision cap: every handle with the same options is the same process-wide instance.
const stores = new Map<number | undefined, Coordination>();

coordinationContract('memory', () => ({
  connect: (options) => {
    const cap = options?.decisionCap;
    let store = stores.get(cap);
    if (!store) {
      store = memoryCoordination({ clock, ...(cap === undefined ? {} : { decisionCap: cap }) });
      stores.set(cap, store);
    }
    return store;
  },
  // Leases are judged by the injected clock: moving it a whole lease on ends every lease.
  expireLease: async () => clock.advance(60_000),
}));

describe('memory coordination', () => {
  it('ends a lease exactly at its expiry time, by the injected clock', async () => {
    const c = memoryCoordination({ clock: new ManualClock(0) });
    const own = new ManualClock(0);
    const timed = memoryCoordination({ clock: own });
    const lock = timed.leaderLock('p', 'a', 100);
    expect(await lock.acquire()).toBe(true);
    own.advance(99);
    expect(await lock.renew()).toBe(true); // renewed at 99: now held until 199
    own.advance(99);
    expect(await lock.holder()).toBe('a');
    own.advance(1);
    expect(await lock.holder()).toBeUndefined();
    expect(await c.ready(0)).toBe(true);
  });
});
