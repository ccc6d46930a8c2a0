import { type Clock, systemClock } from '../lib/clock.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { RegistryError } from './errors.ts';
import { SnapshotFanout } from './fanout.ts';
import {
  byId,
  copyHost,
  mergeHost,
  validateHostInput,
  validateId,
  validatePool,
  validateState,
  withState,
} from './host.ts';
import type {
  CreateLocks,
  FleetListener,
  FleetSnapshot,
  Host,
  HostInput,
  HostRegistry,
  HostState,
  Watch,
} from './types.ts';

interface PoolState {
  version: number;
  hosts: Map<string, Host>;
}

/**
 * The data of in-memory registries. Several `MemoryRegistry` handles may share one store, as several
 * gateways share one Redis; each handle has its own watchers and its own `close()`.
 */
export class MemoryStore {
  private readonly pools = new Map<string, PoolState>();
  private readonly subscribers = new Set<(pool: string) => void>();

  /** The pool's state, created empty (version 0) on first use. */
  pool(name: string): PoolState {
    let p = this.pools.get(name);
    if (!p) {
      p = { version: 0, hosts: new Map() };
      this.pools.set(name, p);
    }
    return p;
  }

  /** A consistent copy of a pool. */
  snapshot(name: string): FleetSnapshot {
    const p = this.pool(name);
    return { pool: name, version: p.version, hosts: [...p.hosts.values()].map(copyHost).sort(byId) };
  }

  /** Bumps the pool's version and tells every subscribed handle (the in-process "publish"). */
  changed(name: string): void {
    this.pool(name).version += 1;
    for (const notify of [...this.subscribers]) notify(name);
  }

  subscribe(notify: (pool: string) => void): () => void {
    this.subscribers.add(notify);
    return () => this.subscribers.delete(notify);
  }
}

/** Options of an in-memory registry. */
export interface MemoryRegistryOptions {
  /** Share a store between handles ("several gateways"); default a private one. */
  store?: MemoryStore;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The host registry in one process: the embedded default. Same behaviour as the Redis registry:
 * idempotent writes, a version bumped only on change, snapshots delivered in version order.
 */
export class MemoryRegistry implements HostRegistry {
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly watchers = new Map<string, SnapshotFanout>();
  private readonly unsubscribe: () => void;
  private closed = false;
  /** Runtime create locks: pool and runtime id → holder and expiry. */
  private readonly locks = new Map<string, { token: string; until: number }>();

  constructor(options: MemoryRegistryOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger()).child({ component: 'registry', backend: 'memory' });
    this.unsubscribe = this.store.subscribe((pool) => {
      this.watchers.get(pool)?.offer(this.store.snapshot(pool));
    });
  }

  createLocks(pool: string): CreateLocks {
    const key = (id: string) => `${pool}\u0000${id}`;
    const live = (id: string) => {
      const lock = this.locks.get(key(id));
      if (lock !== undefined && lock.until <= this.clock.now()) this.locks.delete(key(id));
      return this.locks.get(key(id));
    };
    return {
      take: async (id, token, ttlMs) => {
        if (live(id) !== undefined) return false;
        this.locks.set(key(id), { token, until: this.clock.now() + ttlMs });
        return true;
      },
      release: async (id, token) => {
        if (live(id)?.token === token) this.locks.delete(key(id));
      },
      held: async (id) => live(id) !== undefined,
    };
  }

  async register(pool: string, input: HostInput): Promise<Host> {
    this.open('register');
    validatePool(pool);
    const wanted = validateHostInput(input);
    const p = this.store.pool(pool);
    const { host, changed } = mergeHost(p.hosts.get(wanted.id), wanted, this.clock.now());
    if (changed) {
      p.hosts.set(host.id, host);
      this.store.changed(pool);
    }
    return copyHost(host);
  }

  async setState(pool: string, id: string, state: HostState): Promise<Host | undefined> {
    this.open('setState');
    validatePool(pool);
    validateId(id);
    validateState(state);
    const p = this.store.pool(pool);
    const existing = p.hosts.get(id);
    if (!existing) return undefined;
    const { host, changed } = withState(existing, state, this.clock.now());
    if (changed) {
      p.hosts.set(id, host);
      this.store.changed(pool);
    }
    return copyHost(host);
  }

  async deregister(pool: string, id: string): Promise<boolean> {
    this.open('deregister');
    validatePool(pool);
    validateId(id);
    const p = this.store.pool(pool);
    if (!p.hosts.delete(id)) return false;
    this.store.changed(pool);
    return true;
  }

  async list(pool: string): Promise<FleetSnapshot> {
    this.open('list');
    return this.store.snapshot(validatePool(pool));
  }

  watch(pool: string, listener: FleetListener): Watch {
    this.open('watch');
    validatePool(pool);
    let fanout = this.watchers.get(pool);
    if (!fanout) {
      fanout = new SnapshotFanout((error) => this.log.error({ err: error, pool }, 'registry listener threw'));
      this.watchers.set(pool, fanout);
      fanout.offer(this.store.snapshot(pool));
    }
    const f = fanout;
    const remove = f.add(listener);
    return {
      stop: () => {
        remove();
        if (f.size() === 0 && this.watchers.get(pool) === f) this.watchers.delete(pool);
      },
    };
  }

  healthy(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.watchers.clear();
  }

  private open(what: string): void {
    if (this.closed) throw new RegistryError('REGISTRY_CLOSED', `${what}: registry is closed`);
  }
}
