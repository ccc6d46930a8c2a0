import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { createLeaderElector } from '../leader/elector.ts';
import type { TickRecord } from '../loop/record.ts';
import type { Coordination } from './types.ts';

/** What the contract needs from an implementation. */
export interface CoordinationTarget {
  /**
   * A new handle on the shared store: two handles are two scalers that compete for the same locks
   * and read each other's decision records. The contract closes every handle it gets.
   */
  connect(options?: { decisionCap?: number }): Coordination | Promise<Coordination>;
  /** Ends the lease of `pool`'s lock now, as a whole lease without renewal would. */
  expireLease(pool: string): Promise<void>;
}

/** A lease far longer than any case runs, so only `expireLease` ends one. */
const TTL = 60_000;

let poolCounter = 0;
/** A pool unique within the process and run, so cases sharing one Redis never interfere. */
function uniquePool(): string {
  poolCounter += 1;
  return `coord-${process.pid}-${Date.now().toString(36)}-${poolCounter}`;
}

function record(pool: string, time: number): TickRecord {
  return {
    time,
    pool,
    leader: true,
    reason: 'RegistryUnavailable',
    desired: null,
    outcomes: [],
    durationMs: 1,
  };
}

/**
 * The behaviour every coordination must have, run against the memory and the Redis one. Leases are
 * ended by the target's `expireLease`, never by waiting.
 */
export function coordinationContract(name: string, target: () => CoordinationTarget): void {
  describe(`coordination contract: ${name}`, () => {
    const open: Coordination[] = [];
    const connect = async (options?: { decisionCap?: number }) => {
      const c = await target().connect(options);
      open.push(c);
      expect(await c.ready(5_000)).toBe(true);
      return c;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    it('lets one holder in, renews and releases only for the holder', async () => {
      const pool = uniquePool();
      const [ca, cb] = [await connect(), await connect()];
      const a = ca.leaderLock(pool, 'a', TTL);
      const b = cb.leaderLock(pool, 'b', TTL);
      expect(await a.acquire()).toBe(true);
      expect(await b.acquire()).toBe(false);
      expect(await a.acquire()).toBe(true); // re-acquiring one's own lock extends it
      expect(await a.renew()).toBe(true);
      expect(await b.renew()).toBe(false);
      expect(await b.release()).toBe(false);
      expect(await b.holder()).toBe('a');
      expect(await a.release()).toBe(true);
      expect(await a.holder()).toBeUndefined();
      expect(await b.acquire()).toBe(true);
      expect(await a.renew()).toBe(false);
      expect(await a.holder()).toBe('b');
    });

    it('frees the lock when its lease ends; the old holder can neither renew nor release it', async () => {
      const pool = uniquePool();
      const c = await connect();
      const a = c.leaderLock(pool, 'a', TTL);
      const b = c.leaderLock(pool, 'b', TTL);
      expect(await a.acquire()).toBe(true);
      await target().expireLease(pool);
      expect(await a.holder()).toBeUndefined();
      expect(await a.renew()).toBe(false);
      expect(await b.acquire()).toBe(true);
      expect(await a.release()).toBe(false);
      expect(await a.holder()).toBe('b');
    });

    it('keeps the locks of different pools apart', async () => {
      const [p, q] = [uniquePool(), uniquePool()];
      const c = await connect();
      expect(await c.leaderLock(p, 'a', TTL).acquire()).toBe(true);
      expect(await c.leaderLock(q, 'b', TTL).acquire()).toBe(true);
      expect(await c.leaderLock(q, 'a', TTL).holder()).toBe('b');
    });

    it('elector: leads with the lock, steps down when it is lost, hands over on stop', async () => {
      const pool = uniquePool();
      const [ca, cb] = [await connect(), await connect()];
      const changes: boolean[] = [];
      const elector = (c: Coordination, token: string, onChange?: (l: boolean) => void) =>
        createLeaderElector({
          lock: c.leaderLock(pool, token, TTL),
          renewEveryMs: 60_000,
          logger: silentLogger(),
          ...(onChange ? { onChange } : {}),
        });
      const a = elector(ca, 'a', (l) => changes.push(l));
      const b = elector(cb, 'b');
      expect(await a.step()).toBe(true);
      expect(await b.step()).toBe(false);
      await target().expireLease(pool);
      expect(await b.step()).toBe(true);
      expect(await a.step()).toBe(false);
      await b.stop();
      expect(await a.step()).toBe(true);
      await a.stop();
      expect(a.isLeader()).toBe(false);
      expect(await ca.leaderLock(pool, 'x', TTL).holder()).toBeUndefined();
      expect(changes).toEqual([true, false, true, false]);
    });

    it('keeps decision records per pool, newest first, capped, shared between handles', async () => {
      const [p, q] = [uniquePool(), uniquePool()];
      const writer = await connect({ decisionCap: 3 });
      const reader = await connect({ decisionCap: 3 });
      for (const at of [1, 2, 3, 4, 5]) await writer.decisions.append(record(p, at));
      await writer.decisions.append(record(q, 9));
      expect((await reader.decisions.recent(p, 10)).map((r) => r.time)).toEqual([5, 4, 3]);
      expect((await reader.decisions.recent(p, 2)).map((r) => r.time)).toEqual([5, 4]);
      expect((await reader.decisions.recent(q, 10)).map((r) => r.time)).toEqual([9]);
      expect(await reader.decisions.recent(uniquePool(), 10)).toEqual([]);
    });
  });
}
