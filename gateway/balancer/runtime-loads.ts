/** One runtime's requests in flight at this gateway: in all, and per host. */
interface RuntimeLoad {
  total: number;
  byHost: Map<string, number>;
}

/**
 * Requests in flight per runtime and per (runtime, host), counted by the balancer when it lends and
 * takes back a host. Only runtimes with something in flight have an entry, so memory is bounded by the
 * requests in flight.
 */
export class RuntimeLoads {
  private readonly loads = new Map<string, RuntimeLoad>();

  /** Runtimes with requests in flight. */
  get size(): number {
    return this.loads.size;
  }

  /** Requests of `key` in flight over every host. */
  total(key: string): number {
    return this.loads.get(key)?.total ?? 0;
  }

  /** Requests of `key` in flight on `hostId`. */
  on(key: string, hostId: string): number {
    return this.loads.get(key)?.byHost.get(hostId) ?? 0;
  }

  /** The hosts where `key` has requests in flight. */
  hosts(key: string): Iterable<string> {
    return this.loads.get(key)?.byHost.keys() ?? [];
  }

  /** Counts one more (+1) or one fewer (−1) request of `key` on `hostId`. */
  add(key: string, hostId: string, delta: 1 | -1): void {
    let load = this.loads.get(key);
    if (load === undefined) {
      if (delta < 0) return;
      load = { total: 0, byHost: new Map() };
      this.loads.set(key, load);
    }
    const n = (load.byHost.get(hostId) ?? 0) + delta;
    if (n > 0) load.byHost.set(hostId, n);
    else load.byHost.delete(hostId);
    load.total += delta;
    if (load.total <= 0) this.loads.delete(key);
  }
}
