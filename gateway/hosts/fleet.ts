import { Pool } from 'undici';
import { parseExecutorUrl } from '../../lib/executor-url.ts';
import type { Logger } from '../../lib/logger.ts';
import { redactUrl } from '../../lib/redact.ts';
import type { HostState } from '../../registry/types.ts';
import { EligibleLoad } from '../balancer/eligible-load.ts';
import type { HostLoad } from '../balancer/pick.ts';
import { fillInBackground } from '../ring-fill.ts';
import { createTableRing, GATEWAY_RING_BUCKETS, type TableRing } from '../ring-table.ts';
import { type HealthPolicy, type HealthState, initialHealth } from './health.ts';
import { ringChange } from './ring-change.ts';

/** A host as the gateway needs it: from the registry or from the static list. */
export interface HostSpec {
  id: string;
  url: string;
  state: HostState;
  weight: number;
  source: 'static' | 'registry';
}

/** One host of the fleet view with its connection pool, health and in-flight count. */
export class HostEntry implements HostLoad {
  /** Requests in flight (what bounded loads and power of two choices count), log streams excepted. */
  inflight = 0;
  /** Open log streams. */
  streams = 0;
  /** Host CPU usage reported by legacy executors (≤ 0.16) in `/v1/health`. */
  usage: number | undefined;
  constructor(
    readonly id: string,
    readonly url: string,
    public state: HostState,
    public weight: number,
    public source: 'static' | 'registry',
    readonly pool: Pool,
    readonly health: HealthState,
  ) {}
  get healthy(): boolean {
    return this.health.healthy;
  }
}

/** Options of the keep-alive pool opened to each host. */
export interface PoolOptions {
  connectTimeout: number;
  /** Idle keep-alive sockets are closed after this long (the executor's server decides too). */
  keepAliveTimeout: number;
}

/**
 * The hosts the gateway routes to, their pools and the ring over the active ones. `apply` takes a full
 * host list (registry snapshot ∪ static hosts) and changes only what changed: pools survive updates,
 * a removed host's pool is closed once its in-flight requests are done, the ring is rebuilt only when
 * the set of active hosts or their weights change.
 */
export class Fleet {
  hosts: HostEntry[] = [];
  readonly byId = new Map<string, HostEntry>();
  ring: TableRing = createTableRing([], { buckets: GATEWAY_RING_BUCKETS });
  /** Eligible hosts and their requests in flight, kept for the pick (recounted here on every change). */
  readonly load = new EligibleLoad();
  private ringKey = '';
  /** Stops the background fill of the current ring's table. */
  private stopFill: (() => void) | undefined;
  private readonly invalid = new Set<string>();

  constructor(
    private readonly deps: {
      logger: Logger;
      now: () => number;
      health: HealthPolicy;
      pool: PoolOptions;
      /** Called for each host that left the view. */
      onRemove?: (id: string) => void;
      /** Called after a change of the view (hosts joined, left, or changed state or weight). */
      onChange?: () => void;
    },
  ) {}

  /** Replaces the view with `specs`; returns whether anything changed. */
  apply(specs: readonly HostSpec[]): boolean {
    const seen = new Set<string>();
    let changed = false;
    for (const spec of specs) {
      if (seen.has(spec.id)) continue;
      const parsed = parseExecutorUrl(spec.url);
      if (!parsed.ok) {
        // Warned once per id: the same snapshot comes back on every reload. The registry and the
        // config refuse such URLs by the same grammar, so this is an entry written before they did.
        if (!this.invalid.has(spec.id))
          this.deps.logger.warn(
            { host: spec.id, url: redactUrl(spec.url), reason: parsed.reason },
            'host has an invalid url; ignored',
          );
        this.invalid.add(spec.id);
        continue;
      }
      const url = parsed.url;
      seen.add(spec.id);
      const existing = this.byId.get(spec.id);
      if (existing && existing.url === url) {
        if (existing.state !== spec.state || existing.weight !== spec.weight) {
          this.deps.logger.info({ host: spec.id, from: existing.state, to: spec.state }, 'host updated');
          existing.state = spec.state;
          existing.weight = spec.weight;
          changed = true;
        }
        existing.source = spec.source;
        continue;
      }
      if (existing) this.remove(existing);
      const entry = new HostEntry(
        spec.id,
        url,
        spec.state,
        spec.weight,
        spec.source,
        new Pool(url, {
          connect: { timeout: this.deps.pool.connectTimeout },
          keepAliveTimeout: this.deps.pool.keepAliveTimeout,
          pipelining: 1,
        }),
        initialHealth(this.deps.now(), this.deps.health),
      );
      this.byId.set(spec.id, entry);
      this.deps.logger.info({ host: spec.id, url, state: spec.state }, 'host joined');
      changed = true;
    }
    for (const entry of [...this.byId.values()]) {
      if (!seen.has(entry.id)) {
        this.remove(entry);
        changed = true;
      }
    }
    if (changed) {
      this.hosts = [...this.byId.values()];
      this.load.reset(this.hosts);
      this.rebuildRing();
      this.deps.onChange?.();
    }
    return changed;
  }

  /** Closes every pool (after in-flight requests). */
  async close(): Promise<void> {
    const pools = [...this.byId.values()].map((h) => h.pool);
    this.byId.clear();
    this.hosts = [];
    this.load.reset(this.hosts);
    this.rebuildRing();
    this.stopFill?.();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  /** Total requests in flight over every host. */
  totalInflight(): number {
    let total = 0;
    for (const h of this.hosts) total += h.inflight;
    return total;
  }

  private remove(entry: HostEntry): void {
    this.byId.delete(entry.id);
    this.deps.logger.info({ host: entry.id }, 'host left');
    this.deps.onRemove?.(entry.id);
    // close() lets queued and running requests finish first.
    entry.pool.close().catch(() => undefined);
  }

  private rebuildRing(): void {
    const members = this.hosts
      .filter((h) => h.state === 'active')
      .map((h) => ({ id: h.id, weight: h.weight > 0 ? h.weight : 1 }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const key = members.map((m) => `${m.id}:${m.weight}`).join(',');
    if (key === this.ringKey) return;
    this.ringKey = key;
    // A table ring, updated in place: only the changed hosts are scored; the result is the table a
    // gateway starting now would build from the same hosts. It routes at once (a lookup computes its
    // own bucket); the rest is computed a slice per turn of the event loop.
    const change = ringChange(this.ring.members, members);
    this.ring = this.ring.update(members);
    this.stopFill?.();
    this.stopFill = fillInBackground(this.ring, (r) =>
      this.deps.logger.debug(
        { hosts: members.length, turns: r.turns, longestTurnMs: r.longestTurnMs, ms: r.elapsedMs },
        'ring table complete',
      ),
    );
    this.deps.logger.info(change, 'ring rebuilt');
  }
}
