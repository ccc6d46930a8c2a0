import { Cluster } from 'ioredis';
import { REGISTRY_DEFAULTS } from '../config/schema/registry.ts';
import { type Clock, systemClock } from '../lib/clock.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { ClusterHealth } from './cluster-health.ts';
import { RegistryError } from './errors.ts';
import { SnapshotFanout } from './fanout.ts';
import {
  byId,
  copyHost,
  decodeHost,
  encodeHost,
  mergeHost,
  validateHostInput,
  validateId,
  validatePool,
  validateState,
  withState,
} from './host.ts';
import { redisDrainIntents, redisKeepWarmShare } from './keep-warm-share.ts';
import { DEFAULT_KEY_PREFIX, type PoolKeys, poolKeys, poolOfChannel } from './keys.ts';
import { DEFAULT_COMMAND_TIMEOUT_MS, type RedisClient, type RedisConnector } from './redis-connection.ts';
import { defineScripts, type RegistryScripts, SCRIPT_CONFLICT, scriptError } from './redis-scripts.ts';
import type {
  CreateLocks,
  DrainIntents,
  FleetListener,
  FleetSnapshot,
  Host,
  HostInput,
  HostRegistry,
  HostState,
  KeepWarmShare,
  Watch,
} from './types.ts';

/** Dependencies and tuning of a Redis-backed registry. */
export interface RedisRegistryOptions {
  connector: RedisConnector;
  /** Prefix of every key; default `fleetgate`. */
  keyPrefix?: string;
  /** Full reload of every watched pool at this period, so a lost announcement only delays convergence. */
  reloadIntervalMs?: number;
  /** How long a call waits for a connection before REGISTRY_UNAVAILABLE; default 2000 ms. */
  commandTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
}

/** `registry.reloadInterval` of the config schema (30 s): how long a lost pub/sub message can delay a watcher. */
export const DEFAULT_RELOAD_INTERVAL_MS = REGISTRY_DEFAULTS.reloadInterval;
/** First pause before retrying a command Redis refused for now (a failover); grows linearly. */
const TRANSIENT_RETRY_MS = 100;
/** Compare-and-set rounds before a write gives up with REGISTRY_CONFLICT. */
const MAX_WRITE_ATTEMPTS = 8;

/** Deletes a lock key only while it still holds the caller's token. */
const RELEASE_IF_HELD =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

interface PoolWatch {
  keys: PoolKeys;
  fanout: SnapshotFanout;
  loading: boolean;
  again: boolean;
}

/**
 * The host registry in Redis (standalone, Sentinel or Cluster). Writes are Lua scripts that bump the
 * pool's version and publish it only when something changed; watchers hold one subscriber connection
 * per registry, reload the whole pool on each announcement, on reconnect and on a timer, and keep
 * their last view while Redis is down. Calls fail fast with REGISTRY_UNAVAILABLE while disconnected.
 */
export class RedisRegistry implements HostRegistry {
  private readonly client: RedisClient & RegistryScripts;
  private subscriber: RedisClient | undefined;
  private readonly pools = new Map<string, PoolWatch>();
  private readonly prefix: string;
  private readonly reloadIntervalMs: number;
  private readonly commandTimeoutMs: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly badEntries = new Set<string>();
  private clusterHealth: ClusterHealth | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readyPromise: Promise<void> | undefined;
  private closed = false;
  private everReady = false;
  private down = false;

  constructor(private readonly options: RedisRegistryOptions) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.reloadIntervalMs = options.reloadIntervalMs ?? DEFAULT_RELOAD_INTERVAL_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger()).child({
      component: 'registry',
      backend: 'redis',
      redis: options.connector.describe,
    });
    this.client = defineScripts(options.connector.create('command'));
    this.watchConnection(this.client, 'command');
    if (this.client instanceof Cluster) {
      this.clusterHealth = new ClusterHealth(this.client, this.log);
      this.client.on('ready', () => this.clusterHealth?.start());
    }
  }

  async register(pool: string, input: HostInput): Promise<Host> {
    const keys = this.keysOf(pool);
    const wanted = validateHostInput(input);
    return this.write(`register ${pool}/${wanted.id}`, keys, wanted.id, (existing) =>
      mergeHost(existing, wanted, this.clock.now()),
    ) as Promise<Host>;
  }

  async setState(pool: string, id: string, state: HostState): Promise<Host | undefined> {
    const keys = this.keysOf(pool);
    validateId(id);
    validateState(state);
    return this.write(`setState ${pool}/${id}`, keys, id, (existing) =>
      existing ? withState(existing, state, this.clock.now()) : undefined,
    );
  }

  async deregister(pool: string, id: string): Promise<boolean> {
    const keys = this.keysOf(pool);
    validateId(id);
    const code = await this.run(`deregister ${pool}/${id}`, () =>
      this.client.fleetgateRemoveHost(keys.hosts, keys.version, keys.changed, id),
    );
    if (code < 0) throw scriptError(code, `deregister ${pool}/${id}`);
    return code > 0;
  }

  async list(pool: string): Promise<FleetSnapshot> {
    const keys = this.keysOf(pool);
    const [version, flat] = await this.run(`list ${pool}`, () =>
      this.client.fleetgateReadPool(keys.hosts, keys.version),
    );
    const hosts: Host[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      const host = decodeHost(flat[i + 1] as string);
      if (host) hosts.push(host);
      else this.reportBadEntry(pool, id);
    }
    return { pool, version: Number(version), hosts: hosts.sort(byId) };
  }

  watch(pool: string, listener: FleetListener): Watch {
    const keys = this.keysOf(pool);
    let w = this.pools.get(pool);
    if (!w) {
      const fanout = new SnapshotFanout((error) =>
        this.log.error({ err: error, pool }, 'registry listener threw'),
      );
      w = { keys, fanout, loading: false, again: false };
      this.pools.set(pool, w);
      this.subscribe(pool, keys.changed);
      this.reload(pool);
      this.startTimer();
    }
    const watch = w;
    const remove = watch.fanout.add(listener);
    return {
      stop: () => {
        remove();
        if (watch.fanout.size() === 0 && this.pools.get(pool) === watch) {
          this.pools.delete(pool);
          this.subscriber?.unsubscribe(keys.changed).catch(() => undefined);
        }
      },
    };
  }

  healthy(): boolean {
    if (this.closed || this.client.status !== 'ready') return false;
    // A Cluster that lost a slot's master refuses every command (cluster-require-full-coverage).
    if (this.clusterHealth?.state()?.ok === false) return false;
    return this.subscriber === undefined || this.subscriber.status === 'ready';
  }

  nodes(): { up: number; down: number } | undefined {
    const state = this.clusterHealth?.state();
    return state ? { up: state.up, down: state.down.length } : undefined;
  }

  createLocks(pool: string): CreateLocks {
    const prefix = this.keysOf(pool).createLock;
    const client = this.client;
    return {
      take: async (runtimeId, token, ttlMs) =>
        (await client.set(prefix + runtimeId, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK',
      release: async (runtimeId, token) => {
        await client.eval(RELEASE_IF_HELD, 1, prefix + runtimeId, token);
      },
      held: async (runtimeId) => (await client.exists(prefix + runtimeId)) === 1,
    };
  }

  keepWarmShare(pool: string): KeepWarmShare {
    return redisKeepWarmShare(this.client, this.keysOf(pool));
  }

  drainIntents(pool: string): DrainIntents {
    return redisDrainIntents(this.client, this.keysOf(pool));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.clusterHealth?.stop();
    this.pools.clear();
    this.client.disconnect();
    this.subscriber?.disconnect();
  }

  /** Reads a host, computes its next value, and writes it with compare-and-set until no one raced us. */
  private async write(
    what: string,
    keys: PoolKeys,
    id: string,
    next: (existing: Host | undefined) => { host: Host; changed: boolean } | undefined,
  ): Promise<Host | undefined> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const raw = await this.run(what, () => this.client.hget(keys.hosts, id));
      const result = next(raw ? decodeHost(raw) : undefined);
      if (!result) return undefined;
      if (!result.changed) return copyHost(result.host);
      const code = await this.run(what, () =>
        this.client.fleetgatePutHost(
          keys.hosts,
          keys.version,
          keys.changed,
          id,
          raw ?? '',
          encodeHost(result.host),
        ),
      );
      if (code >= 0) return copyHost(result.host);
      if (code !== SCRIPT_CONFLICT) throw scriptError(code, what);
    }
    throw scriptError(SCRIPT_CONFLICT, what);
  }

  /**
   * Runs one command within the command timeout as a whole: waits for a connection, and retries
   * while Redis answers "not now" (a Cluster or Sentinel failover: CLUSTERDOWN, TRYAGAIN, READONLY, a
   * closed socket, too many redirections), then gives up with REGISTRY_UNAVAILABLE. Before, ioredis's
   * own redirection retries ran past the bound (a CLI call failed after 3.7 s, issue 20). Every
   * registry write is idempotent (compare-and-set, or delete), so trying one again is safe.
   */
  private async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.commandTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      await this.ready(what, Math.max(1, deadline - Date.now()));
      try {
        return await command();
      } catch (error) {
        const mapped = this.toError(what, error);
        const pause = Math.min(TRANSIENT_RETRY_MS * attempt, deadline - Date.now());
        if (mapped.code !== 'REGISTRY_UNAVAILABLE' || this.closed || pause <= 0) throw mapped;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private ready(what: string, timeoutMs = this.commandTimeoutMs): Promise<void> {
    if (this.closed)
      return Promise.reject(new RegistryError('REGISTRY_CLOSED', `${what}: registry is closed`));
    if (this.client.status === 'ready') return Promise.resolve();
    // One 'ready' listener however many calls wait, so a burst of calls during an outage adds no listeners.
    this.readyPromise ??= new Promise<void>((resolve) => {
      this.client.once('ready', () => {
        this.readyPromise = undefined;
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RegistryError(
              'REGISTRY_UNAVAILABLE',
              `${what}: Redis at ${this.options.connector.describe} is unreachable (${this.client.status} for over ${this.commandTimeoutMs} ms)`,
            ),
          ),
        timeoutMs,
      );
    });
    return Promise.race([this.readyPromise, timeout]).finally(() => clearTimeout(timer));
  }

  private toError(what: string, error: unknown): RegistryError {
    if (error instanceof RegistryError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const name = error instanceof Error ? error.name : '';
    // A reply error is Redis refusing the command (WRONGTYPE, NOAUTH, a script error); anything else
    // (closed socket, timeout, cluster down, failover in progress) means Redis is not there right now.
    const transient =
      /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY)|Too many Cluster redirections/.test(message);
    const code = name === 'ReplyError' && !transient ? 'REGISTRY_COMMAND_FAILED' : 'REGISTRY_UNAVAILABLE';
    return new RegistryError(code, `${what}: ${message}`, { cause: error });
  }

  private keysOf(pool: string): PoolKeys {
    return poolKeys(validatePool(pool), this.prefix);
  }

  private reportBadEntry(pool: string, id: string): void {
    const key = `${pool}/${id}`;
    if (this.badEntries.has(key)) return;
    this.badEntries.add(key);
    this.log.warn({ pool, id }, 'registry entry is not a valid host; ignored');
  }

  /** Loads a pool and offers it to its watchers; one load per pool at a time, the newest request wins. */
  private reload(pool: string): void {
    const w = this.pools.get(pool);
    if (!w || this.closed) return;
    if (w.loading) {
      w.again = true;
      return;
    }
    // While disconnected the 'ready' handler reloads everything; do not queue doomed reads.
    if (this.client.status !== 'ready') return;
    w.loading = true;
    this.list(pool)
      .then(
        (snapshot) => {
          if (snapshot.version < w.fanout.version()) return this.raiseVersion(pool, w);
          if (w.fanout.offer(snapshot)) this.log.debug({ pool, version: snapshot.version }, 'fleet changed');
        },
        (error: unknown) => this.log.debug({ pool, err: error }, 'reload failed; keeping the last view'),
      )
      .finally(() => {
        w.loading = false;
        if (w.again) {
          w.again = false;
          this.reload(pool);
        }
      });
  }

  /**
   * The version went backwards: Redis lost its data. Raise it above what this watcher has seen (and
   * announce it) so every watcher moves forward to the current content; the next reload delivers it.
   */
  private async raiseVersion(pool: string, w: PoolWatch): Promise<void> {
    const floor = w.fanout.version() + 1;
    this.log.warn(
      { pool, seen: w.fanout.version() },
      'registry version went backwards (Redis lost data); raising it',
    );
    try {
      await this.run(`raise version ${pool}`, () =>
        this.client.fleetgateRaiseVersion(w.keys.version, w.keys.changed, floor),
      );
      w.again = true;
    } catch (error) {
      this.log.debug({ pool, err: error }, 'raising the version failed; will retry on the next reload');
    }
  }

  private reloadAll(): void {
    for (const pool of this.pools.keys()) this.reload(pool);
  }

  private startTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.reloadAll(), this.reloadIntervalMs);
    this.timer.unref();
  }

  private subscribe(pool: string, channel: string): void {
    if (!this.subscriber) {
      const sub = this.options.connector.create('subscriber');
      this.subscriber = sub;
      this.watchConnection(sub, 'subscriber');
      sub.on('message', (ch: string, message: string) => {
        const p = poolOfChannel(ch, this.prefix);
        const w = p === undefined ? undefined : this.pools.get(p);
        if (p !== undefined && w && Number(message) > w.fanout.version()) this.reload(p);
      });
    }
    // Reload once subscribed too: a change between the first load and the subscription is not lost.
    this.subscriber.subscribe(channel).then(
      () => this.reload(pool),
      (error: unknown) => this.log.warn({ pool, err: error }, 'subscribe failed; relying on periodic reload'),
    );
  }

  /** Logs connection changes once per episode, reloads after reconnecting, and never lets 'error' crash us. */
  private watchConnection(client: RedisClient, role: 'command' | 'subscriber'): void {
    let lastError = '';
    client.on('error', (error: Error) => {
      if (error.message !== lastError) this.log.warn({ role, err: error.message }, 'Redis connection error');
      lastError = error.message;
    });
    client.on('reconnecting', (delayMs: unknown) => {
      if (this.closed) return;
      if (role === 'command' && !this.down) {
        this.down = true;
        this.log.warn({ role }, 'Redis unreachable; keeping the last view and reconnecting with backoff');
      }
      this.log.info({ role, delayMs }, 'reconnecting to Redis');
    });
    client.on('ready', () => {
      lastError = '';
      if (role === 'command') {
        if (this.down || !this.everReady) {
          this.log.info({ role }, this.everReady ? 'reconnected to Redis' : 'connected to Redis');
        }
        this.down = false;
        this.everReady = true;
      }
      this.reloadAll();
    });
  }
}
