/**
 * Where each runtime is known to be warm: runtime id → host ids, bounded by an LRU (a Map keeps
 * insertion order; touching an entry re-inserts it, the oldest entry is evicted past `maxEntries`).
 * Learnt from the requests the gateway routes and from periodic `GET /v1/runtimes`; never from Redis.
 */
export class PlacementMap {
  private readonly map = new Map<string, string[]>();
  /**
   * The runtime last made most recent: touching it again changes nothing, so its requests (a hot
   * runtime's, one after another) skip the delete and insert, whose freed slots make the Map rehash
   * every few requests.
   */
  private newest: string | undefined;
  constructor(private readonly maxEntries: number) {}

  /** Number of runtimes tracked. */
  get size(): number {
    return this.map.size;
  }

  /** Host ids where `runtimeId` is warm (empty when unknown). Does not touch recency. */
  hosts(runtimeId: string): readonly string[] {
    return this.map.get(runtimeId) ?? EMPTY;
  }

  /** Whether `runtimeId` is warm on `hostId`. */
  isWarm(runtimeId: string, hostId: string): boolean {
    const hosts = this.map.get(runtimeId);
    return hosts?.includes(hostId) ?? false;
  }

  /** Marks `runtimeId` warm on `hostId` and makes it the most recent entry. */
  markWarm(runtimeId: string, hostId: string): void {
    const hosts = this.map.get(runtimeId);
    if (hosts !== undefined) {
      const known = hosts.includes(hostId);
      if (known && runtimeId === this.newest) return;
      this.map.delete(runtimeId);
      this.map.set(runtimeId, known ? hosts : [...hosts, hostId]);
      this.newest = runtimeId;
      return;
    }
    this.map.set(runtimeId, [hostId]);
    this.newest = runtimeId;
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  /** Forgets `runtimeId` on `hostId` (404 runtime_not_found), or everywhere when no host is given. */
  clear(runtimeId: string, hostId?: string): void {
    if (hostId === undefined) {
      this.map.delete(runtimeId);
      return;
    }
    const hosts = this.map.get(runtimeId);
    if (hosts === undefined) return;
    const rest = hosts.filter((h) => h !== hostId);
    if (rest.length === 0) this.map.delete(runtimeId);
    else this.map.set(runtimeId, rest);
  }

  /** Replaces what is known about `hostId` with the runtimes it reported (resync). */
  resync(hostId: string, runtimeIds: Iterable<string>): void {
    const reported = new Set(runtimeIds);
    for (const [runtimeId, hosts] of this.map) {
      if (hosts.includes(hostId) && !reported.has(runtimeId)) this.clear(runtimeId, hostId);
    }
    for (const runtimeId of reported) if (!this.isWarm(runtimeId, hostId)) this.markWarm(runtimeId, hostId);
  }

  /** Forgets a host that left the fleet. */
  removeHost(hostId: string): void {
    for (const [runtimeId, hosts] of this.map) if (hosts.includes(hostId)) this.clear(runtimeId, hostId);
  }

  /** How many runtimes are warm on each host. */
  countsByHost(): Map<string, number> {
    const out = new Map<string, number>();
    for (const hosts of this.map.values()) for (const h of hosts) out.set(h, (out.get(h) ?? 0) + 1);
    return out;
  }

  /** Runtime ids warm on each host. */
  byHost(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [runtimeId, hosts] of this.map) {
      for (const h of hosts) {
        const list = out.get(h);
        if (list) list.push(runtimeId);
        else out.set(h, [runtimeId]);
      }
    }
    return out;
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
