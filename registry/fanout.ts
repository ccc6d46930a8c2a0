import type { FleetListener, FleetSnapshot, Host } from './types.ts';

interface Entry {
  listener: FleetListener;
  /** Newest version this listener has been given; -1 before the first. */
  version: number;
}

/**
 * Delivers snapshots of one pool to its listeners (Traefik's watcher in small): a snapshot is
 * delivered only when its version is newer than the last one, each listener sees versions in
 * increasing order even when a listener writes to the registry from inside its callback, and a
 * new listener gets the newest snapshot first. Snapshots are frozen and shared between listeners.
 */
export class SnapshotFanout {
  private last: FleetSnapshot | undefined;
  private readonly entries = new Set<Entry>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** The newest snapshot offered so far. */
  current(): FleetSnapshot | undefined {
    return this.last;
  }

  /** Version of the newest snapshot, or -1 before the first. */
  version(): number {
    return this.last?.version ?? -1;
  }

  /** Number of listeners. */
  size(): number {
    return this.entries.size;
  }

  /** Adds a listener; it gets the newest snapshot on the next microtask. Returns the remover. */
  add(listener: FleetListener): () => void {
    const entry: Entry = { listener, version: -1 };
    this.entries.add(entry);
    queueMicrotask(() => {
      if (this.last && this.entries.has(entry)) this.deliver(entry, this.last);
    });
    return () => {
      this.entries.delete(entry);
    };
  }

  /** Offers a snapshot; returns whether it was newer (and so delivered). */
  offer(snapshot: FleetSnapshot): boolean {
    if (snapshot.version <= this.version()) return false;
    const frozen = freezeSnapshot(snapshot);
    this.last = frozen;
    for (const entry of [...this.entries]) {
      if (this.entries.has(entry)) this.deliver(entry, frozen);
    }
    return true;
  }

  private deliver(entry: Entry, snapshot: FleetSnapshot): void {
    if (snapshot.version <= entry.version) return;
    entry.version = snapshot.version;
    try {
      entry.listener(snapshot);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}

function freezeSnapshot(snapshot: FleetSnapshot): FleetSnapshot {
  const hosts = snapshot.hosts.map((h: Host) =>
    Object.freeze({ ...h, labels: Object.freeze({ ...h.labels }) }),
  );
  return Object.freeze({
    pool: snapshot.pool,
    version: snapshot.version,
    hosts: Object.freeze(hosts) as Host[],
  });
}
