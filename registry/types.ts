import type { LeaderLock } from './leader-lock.ts';
/** Lifecycle of an executor host in the registry. */
export type HostState = 'booting' | 'active' | 'draining';

/** One executor host as stored in the registry. No secrets are ever stored here. */
export interface Host {
  /** Stable id, unique within a pool. */
  id: string;
  /** Base URL of the executor, e.g. `http://10.0.0.5:80`. */
  url: string;
  state: HostState;
  /** Relative weight on the ring (default 1). */
  weight: number;
  labels: Record<string, string>;
  /** Which provider created it (`static`, `process`, `command`, `manual`, …). */
  provider: string;
  /** Milliseconds since the epoch. */
  registeredAt: number;
  updatedAt: number;
}

/**
 * What a caller supplies to register a host; the registry fills in the rest. For a new host an
 * omitted field takes its default (state `active`, weight 1, no labels, provider `manual`); for a
 * registered host an omitted field keeps its stored value, so re-registering never resets a drain.
 */
export interface HostInput {
  id: string;
  url: string;
  state?: HostState;
  weight?: number;
  labels?: Record<string, string>;
  provider?: string;
}

/** A consistent view of a pool: its hosts and the version they were read at. */
export interface FleetSnapshot {
  pool: string;
  version: number;
  hosts: Host[];
}

/** Called with each new snapshot, in increasing version order. */
export type FleetListener = (snapshot: FleetSnapshot) => void;

/** Handle returned by `watch`; stop it to unsubscribe. */
export interface Watch {
  stop(): void;
}

/**
 * Where hosts are registered. Every gateway watches it; the scaler and operators write it.
 * All writes are idempotent and bump the pool's version only when something changed.
 */
export interface HostRegistry {
  /** Adds a host or updates it; returns the stored host. */
  register(pool: string, host: HostInput): Promise<Host>;
  /** Changes a host's state; returns undefined when the host is not registered. */
  setState(pool: string, id: string, state: HostState): Promise<Host | undefined>;
  /** Removes a host; returns whether it was there. */
  deregister(pool: string, id: string): Promise<boolean>;
  /** Reads every host of a pool with the version they were read at. */
  list(pool: string): Promise<FleetSnapshot>;
  /**
   * Calls `listener` with the current snapshot and then with every newer one.
   * Versions never go backwards; unchanged snapshots are not delivered twice.
   */
  watch(pool: string, listener: FleetListener): Watch;
  /** Whether the backing store is reachable right now. */
  healthy(): boolean;
  /**
   * For a store of several servers (a Redis Cluster): how many nodes are up and how many the store
   * itself reports failed. Undefined for a single server, or before the first answer.
   */
  nodes?(): { up: number; down: number } | undefined;
  /** The runtime create locks of a pool, shared by every gateway on this store. */
  createLocks?(pool: string): CreateLocks;
  /** What the gateways of a pool share for keep-warm (keeper lease, call observations, drain intents). */
  keepWarmShare?(pool: string): KeepWarmShare;
  /** The scaler's side of a drain: announce it and wait for the keep-warm keeper's warm handoff. */
  drainIntents?(pool: string): DrainIntents;
  close(): Promise<void>;
}

/**
 * One lock per runtime id, held by the gateway creating that runtime, so that the gateways of a
 * pool send one create for a runtime however many of them see its first calls together.
 */
export interface CreateLocks {
  /** Takes the lock of `runtimeId` with `token` for `ttlMs`; true when this caller got it. */
  take(runtimeId: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases it if `token` still holds it. */
  release(runtimeId: string, token: string): Promise<void>;
  /** Whether someone holds the lock of `runtimeId` now. */
  held(runtimeId: string): Promise<boolean>;
}

/**
 * Keep-warm shared by the gateways of one pool: one elected keeper (a lease) decides pre-warms and
 * deletes; every gateway appends its call observations, batched, to a capped log the keeper reads; the
 * scaler announces drains there and the keeper acknowledges them once it handed the runtimes over.
 * Payloads are opaque strings here (gateway/lifetime/ builds and validates them).
 */
export interface KeepWarmShare {
  /** The pool's keeper lease held as `token` with a lease of `ttlMs`. */
  lease(token: string, ttlMs: number): LeaderLock;
  /** Appends one batch of observations, keeping about the last `keep` batches. */
  publish(batch: string, keep: number): Promise<void>;
  /** Up to `count` batches after the cursor `after` (`0`: from the oldest kept), and the new cursor. */
  read(after: string, count: number): Promise<{ cursor: string; batches: string[] }>;
  /** Hosts whose drain the scaler announced and still waits on. */
  drainIntents(): Promise<string[]>;
  /** Tells the scaler the runtimes of `hostId` were handed over. */
  ackDrain(hostId: string): Promise<void>;
}

/** How an announced drain ended for the scaler. */
export type DrainIntentOutcome = 'acknowledged' | 'timeout' | 'no-keeper' | 'unavailable';

/** The scaler's side of {@link KeepWarmShare}'s drain intents. */
export interface DrainIntents {
  /**
   * Announces that `hostId` is about to drain and waits, at most `waitMs`, for the pool's keep-warm
   * keeper to acknowledge it (its hot runtimes are then warm on their next owners). Answers at once
   * `no-keeper` when no gateway holds the keeper lease. Never rejects.
   */
  announce(hostId: string, waitMs: number): Promise<DrainIntentOutcome>;
}
