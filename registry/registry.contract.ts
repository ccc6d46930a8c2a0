import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { RegistryError } from './errors.ts';
import type { FleetSnapshot, HostInput, HostRegistry, HostState } from './types.ts';

/** What the contract needs from an implementation. */
export interface ContractTarget {
  /**
   * A new registry handle on the shared backing store: calling it twice gives two "gateways" that
   * see each other's writes. The contract closes every handle it gets.
   */
  connect(clock: ManualClock): HostRegistry | Promise<HostRegistry>;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes; then throws `what`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Collects what a watcher is given. */
export class Recorder {
  readonly seen: FleetSnapshot[] = [];
  readonly listener = (snapshot: FleetSnapshot): void => {
    this.seen.push(snapshot);
  };
  versions(): number[] {
    return this.seen.map((s) => s.version);
  }
  last(): FleetSnapshot | undefined {
    return this.seen.at(-1);
  }
  /** Waits until a snapshot at `version` or later has arrived, and returns the newest. */
  atLeast(version: number, timeoutMs?: number): Promise<FleetSnapshot> {
    return eventually(
      `a snapshot at version >= ${version} (seen ${this.versions().join(',') || 'none'})`,
      () => {
        const last = this.last();
        return last && last.version >= version ? last : undefined;
      },
      timeoutMs,
    );
  }
}

let poolCounter = 0;
/** A pool name unique within the process and run, so cases sharing one Redis never interfere. */
export function uniquePool(tag = 'p'): string {
  poolCounter += 1;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${poolCounter}`;
}

const HOST_A: HostInput = { id: 'a', url: 'http://10.0.0.1:80' };
const HOST_B: HostInput = {
  id: 'b',
  url: 'http://10.0.0.2:80',
  state: 'booting',
  weight: 2,
  labels: { zone: 'x' },
};

/**
 * The behaviour every `HostRegistry` must have. Run it from `<impl>.test.ts` with a target that
 * connects to the implementation; memory and Redis run exactly these cases.
 */
export function registryContract(name: string, target: () => ContractTarget): void {
  describe(`${name}: HostRegistry contract`, () => {
    const open: HostRegistry[] = [];
    const clock = new ManualClock(1_000);
    let shared: ContractTarget | undefined;
    const connect = async () => {
      shared ??= target();
      const registry = await shared.connect(clock);
      open.push(registry);
      return registry;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    });

    it('lists an untouched pool as empty at version 0', async () => {
      const r = await connect();
      expect(await r.list(uniquePool())).toMatchObject({ version: 0, hosts: [] });
    });

    it('registers with defaults, and re-registering the same host changes nothing', async () => {
      const r = await connect();
      const pool = uniquePool();
      clock.set(5_000);
      const host = await r.register(pool, HOST_A);
      expect(host).toEqual({
        id: 'a',
        url: 'http://10.0.0.1:80',
        state: 'active',
        weight: 1,
        labels: {},
        provider: 'manual',
        registeredAt: 5_000,
        updatedAt: 5_000,
      });
      clock.set(6_000);
      expect(await r.register(pool, HOST_A)).toEqual(host);
      const snapshot = await r.list(pool);
      expect(snapshot.version).toBe(1);
      expect(snapshot.hosts).toEqual([host]);
    });

    it('updates a registered host, keeping registeredAt and any field the caller omits', async () => {
      const r = await connect();
      const pool = uniquePool();
      clock.set(1_000);
      await r.register(pool, HOST_B);
      clock.set(2_000);
      const updated = await r.register(pool, { id: 'b', url: 'http://10.0.0.2:81' });
      expect(updated).toMatchObject({
        url: 'http://10.0.0.2:81',
        state: 'booting',
        weight: 2,
        labels: { zone: 'x' },
        registeredAt: 1_000,
        updatedAt: 2_000,
      });
      expect((await r.list(pool)).version).toBe(2);
    });

    it.each<[HostState, HostState]>([
      ['booting', 'active'],
      ['active', 'draining'],
      ['draining', 'active'],
      ['booting', 'draining'],
      ['draining', 'booting'],
    ])('moves a host from %s to %s, bumping the version once', async (from, to) => {
      const r = await connect();
      const pool = uniquePool();
      await r.register(pool, { ...HOST_A, state: from });
      clock.advance(10);
      const moved = await r.setState(pool, 'a', to);
      expect(moved).toMatchObject({ id: 'a', state: to, updatedAt: clock.now() });
      expect(await r.setState(pool, 'a', to)).toEqual(moved);
      const snapshot = await r.list(pool);
      expect(snapshot.version).toBe(2);
      expect(snapshot.hosts[0]?.state).toBe(to);
    });

    it('setState of an unknown host returns undefined and changes nothing', async () => {
      const r = await connect();
      const pool = uniquePool();
      expect(await r.setState(pool, 'ghost', 'active')).toBeUndefined();
      expect((await r.list(pool)).version).toBe(0);
    });

    it('deregisters idempotently', async () => {
      const r = await connect();
      const pool = uniquePool();
      await r.register(pool, HOST_A);
      expect(await r.deregister(pool, 'a')).toBe(true);
      expect(await r.deregister(pool, 'a')).toBe(false);
      expect(await r.list(pool)).toMatchObject({ version: 2, hosts: [] });
    });

    it('bumps the version on every change and only then', async () => {
      const r = await connect();
      const pool = uniquePool();
      const steps: [string, () => Promise<unknown>, boolean][] = [
        ['register a', () => r.register(pool, HOST_A), true],
        ['register a again', () => r.register(pool, HOST_A), false],
        ['register b', () => r.register(pool, HOST_B), true],
        ['relabel b', () => r.register(pool, { ...HOST_B, labels: { zone: 'y' } }), true],
        ['relabel b again', () => r.register(pool, { ...HOST_B, labels: { zone: 'y' } }), false],
        ['drain a', () => r.setState(pool, 'a', 'draining'), true],
        ['drain a again', () => r.setState(pool, 'a', 'draining'), false],
        ['reweight b', () => r.register(pool, { ...HOST_B, weight: 3 }), true],
        ['remove a', () => r.deregister(pool, 'a'), true],
        ['remove a again', () => r.deregister(pool, 'a'), false],
        ['activate missing a', () => r.setState(pool, 'a', 'active'), false],
      ];
      let expected = 0;
      for (const [label, step, changes] of steps) {
        clock.advance(1);
        await step();
        if (changes) expected += 1;
        expect({ label, version: (await r.list(pool)).version }).toEqual({ label, version: expected });
      }
    });

    it('lists hosts sorted by id, and returned hosts are copies', async () => {
      const r = await connect();
      const pool = uniquePool();
      await r.register(pool, HOST_B);
      const a = await r.register(pool, HOST_A);
      a.labels.mutated = 'yes';
      const snapshot = await r.list(pool);
      expect(snapshot.hosts.map((h) => h.id)).toEqual(['a', 'b']);
      expect(snapshot.hosts[0]?.labels).toEqual({});
    });

    it('a watcher gets the current snapshot, then every change in version order', async () => {
      const r = await connect();
      const pool = uniquePool();
      await r.register(pool, HOST_A);
      const rec = new Recorder();
      const watch = r.watch(pool, rec.listener);
      expect((await rec.atLeast(1)).hosts.map((h) => h.id)).toEqual(['a']);
      await r.register(pool, HOST_B);
      expect((await rec.atLeast(2)).hosts.map((h) => h.id)).toEqual(['a', 'b']);
      await r.setState(pool, 'b', 'active');
      expect((await rec.atLeast(3)).hosts[1]?.state).toBe('active');
      await r.deregister(pool, 'a');
      expect((await rec.atLeast(4)).hosts.map((h) => h.id)).toEqual(['b']);
      expect(rec.versions()).toEqual([1, 2, 3, 4]);
      watch.stop();
    });

    it('a watcher never sees versions go backwards or repeat under a burst of writes', async () => {
      const r = await connect();
      const pool = uniquePool();
      const rec = new Recorder();
      const watch = r.watch(pool, rec.listener);
      await rec.atLeast(0);
      for (let i = 0; i < 30; i++) await r.register(pool, { id: `h${i}`, url: `http://10.0.1.${i}:80` });
      const last = await rec.atLeast(30);
      expect(last.hosts).toHaveLength(30);
      const versions = rec.versions();
      expect(versions.every((v, i) => i === 0 || v > (versions[i - 1] as number))).toBe(true);
      watch.stop();
    });

    it('two clients ("two gateways") converge on the same fleet', async () => {
      const gatewayA = await connect();
      const gatewayB = await connect();
      const pool = uniquePool();
      const recA = new Recorder();
      const recB = new Recorder();
      gatewayA.watch(pool, recA.listener);
      gatewayB.watch(pool, recB.listener);
      await gatewayA.register(pool, HOST_A);
      await gatewayB.register(pool, HOST_B);
      await gatewayA.setState(pool, 'b', 'active');
      const [a, b] = await Promise.all([recA.atLeast(3), recB.atLeast(3)]);
      expect(a).toEqual(b);
      expect(a.hosts.map((h) => [h.id, h.state])).toEqual([
        ['a', 'active'],
        ['b', 'active'],
      ]);
      expect(await gatewayA.list(pool)).toEqual(await gatewayB.list(pool));
    });

    it('concurrent writers from two clients lose no write and count every change', async () => {
      const a = await connect();
      const b = await connect();
      const pool = uniquePool();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).register(pool, { id: `h${i}`, url: `http://10.0.2.${i}:80` }),
        ),
      );
      // Both clients race to change the same host: each change lands (read-compute-write never loses one).
      const h0 = { id: 'h0', url: 'http://10.0.2.0:80' };
      await Promise.all([
        a.register(pool, { ...h0, weight: 5 }),
        b.register(pool, { ...h0, labels: { k: 'v' } }),
      ]);
      const snapshot = await a.list(pool);
      expect(snapshot.hosts).toHaveLength(20);
      expect(snapshot.hosts.find((h) => h.id === 'h0')).toMatchObject({ weight: 5, labels: { k: 'v' } });
      expect(snapshot.version).toBe(22);
    });

    it('stop() ends delivery, and a throwing listener does not starve the others', async () => {
      const r = await connect();
      const pool = uniquePool();
      const stopped = new Recorder();
      const good = new Recorder();
      const watch = r.watch(pool, stopped.listener);
      r.watch(pool, () => {
        throw new Error('listener bug');
      });
      r.watch(pool, good.listener);
      await Promise.all([stopped.atLeast(0), good.atLeast(0)]);
      watch.stop();
      await r.register(pool, HOST_A);
      await good.atLeast(1);
      expect(stopped.versions()).toEqual([0]);
    });

    it.each<[string, (r: HostRegistry, pool: string) => Promise<unknown>, RegExp]>([
      ['an empty id', (r, p) => r.register(p, { id: '', url: 'http://h:80' }), /host\.id.*""/],
      ['an id with spaces', (r, p) => r.register(p, { id: 'a b', url: 'http://h:80' }), /host\.id/],
      [
        'a URL that is not a URL',
        (r, p) => r.register(p, { id: 'a', url: 'not a url' }),
        /host\.url.*not a url/,
      ],
      ['a non-http URL', (r, p) => r.register(p, { id: 'a', url: 'ftp://h:21' }), /host\.url.*ftp/],
      [
        'a URL with credentials',
        (r, p) => r.register(p, { id: 'a', url: 'http://u:pw@h:80' }),
        /host\.url: must not carry credentials/,
      ],
      [
        // Every gateway drops a host whose URL has a path (executors are addressed by origin), so
        // registering one must fail loudly instead of being accepted and then silently ignored.
        'a URL with a path',
        (r, p) => r.register(p, { id: 'a', url: 'http://h:80/base' }),
        /host\.url: must not have a path \(got "\/base"\).*http:\/\/h:80\/base/,
      ],
      [
        'a URL with a query',
        (r, p) => r.register(p, { id: 'a', url: 'http://h:80/?x=1' }),
        /host\.url: must not have a query/,
      ],
      [
        'an unknown state',
        (r, p) => r.register(p, { id: 'a', url: 'http://h:80', state: 'up' as HostState }),
        /host\.state.*"up"/,
      ],
      [
        'a zero weight',
        (r, p) => r.register(p, { id: 'a', url: 'http://h:80', weight: 0 }),
        /host\.weight.*0/,
      ],
      [
        'a non-string label',
        (r, p) => r.register(p, { id: 'a', url: 'http://h:80', labels: { n: 1 as unknown as string } }),
        /host\.labels\.n/,
      ],
      [
        'setState to an unknown state',
        (r, p) => r.setState(p, 'a', 'gone' as HostState),
        /host\.state.*"gone"/,
      ],
      ['setState with an empty id', (r, p) => r.setState(p, '', 'active'), /host\.id/],
      ['deregister with an empty id', (r, p) => r.deregister(p, ''), /host\.id/],
      ['a pool with braces', (r) => r.list('{evil}'), /pool.*\{evil\}/],
      ['an empty pool', (r) => r.register('', HOST_A), /pool/],
    ])('rejects %s with REGISTRY_INVALID_HOST naming the field', async (_label, call, message) => {
      const r = await connect();
      const pool = uniquePool();
      const error = await call(r, pool).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RegistryError);
      expect(error).toMatchObject({ code: 'REGISTRY_INVALID_HOST', message: expect.stringMatching(message) });
      expect((await r.list(pool)).version).toBe(0);
    });

    it('refuses calls after close() with REGISTRY_CLOSED', async () => {
      const r = await connect();
      await r.close();
      expect(r.healthy()).toBe(false);
      await expect(r.list(uniquePool())).rejects.toMatchObject({ code: 'REGISTRY_CLOSED' });
    });
  });
}
