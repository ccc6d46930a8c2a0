/** How many owners a runtime gets from its demand. */
export interface ReplicaPolicy {
  /** Requests in flight one host gives one runtime (the executor's per-runtime concurrency); > 0. */
  perHost: number;
  /** Most owners of one runtime. */
  maxReplicas: number;
  /** Time constant of the demand average, ms: a burst shorter than this barely moves it. */
  windowMs: number;
  /** Most runtimes tracked at once; a runtime not tracked has one owner. */
  tableSize: number;
}

/** The fleet's load when a runtime is observed: what sets the share one owner of a runtime takes. */
export interface FleetLoad {
  /** Requests in flight over the eligible hosts. */
  total: number;
  /** Eligible hosts (> 0). */
  hosts: number;
  /** `c` of the bounded-load cap. */
  loadFactor: number;
  /** The cap's floor. */
  floor: number;
}

/**
 * The share of a host's bounded-load cap one owner of a runtime takes at most (spread at high load):
 * a runtime whose demand passes half the cap gets a second owner, so its requests can balance the
 * hosts (they go to the least loaded owner) and the one-owner tail keeps its host.
 */
export const OWNER_SHARE = 0.5;

/** A runtime's demand estimate and its current owner count. */
interface Entry {
  /** Time-weighted average of the runtime's requests in flight. */
  level: number;
  /** When `level` was last updated, ms. */
  at: number;
  /** The in-flight count seen then: what held since. */
  last: number;
  replicas: number;
}

/**
 * Shrinking from r to r − 1 owners waits until the demand falls below this share of what r − 1 owners
 * give: with growth at r × perHost, the gap between the two thresholds is the hysteresis that keeps the
 * count from flapping around a boundary.
 */
const SHRINK_BELOW = 0.6;

/**
 * Per-runtime owner counts from measured demand. Pure: the time is passed in. Demand is an
 * exponentially weighted average of the runtime's requests in flight, sampled on every pick (so a
 * runtime is only looked at when it is asked for); the owner count grows to ceil(demand ÷ perHost) as
 * soon as the demand passes r × perHost and shrinks one step at a time below (r − 1) × perHost × 0.6.
 * Memory is bounded: only runtimes that have had more than half a host's worth in flight are tracked
 * (and forgotten below a quarter),
 * at most `tableSize` of them; when the table is full the one with the lowest demand is replaced if
 * the newcomer's is higher (space-saving top-k).
 */
export class ReplicaTable {
  private readonly entries = new Map<string, Entry>();
  /** Time-weighted average of the fleet's requests in flight (with `FleetLoad`), and when it was set. */
  private total = { level: 0, at: Number.NaN, last: 0 };

  constructor(private readonly policy: ReplicaPolicy) {}

  /** Runtimes tracked. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The demand one owner takes: `perHost` (the executor's slots for one runtime) at low load, where
   * the cap sits at its floor (pack), else the smaller of that and `OWNER_SHARE` of the cap computed
   * from the fleet's average in flight (spread). Averaged, so the unit does not follow every request.
   */
  unit(load: FleetLoad | undefined, now: number): number {
    const p = this.policy;
    if (load === undefined || load.hosts <= 0) return p.perHost;
    const t = this.total;
    if (Number.isNaN(t.at)) Object.assign(t, { level: load.total, at: now, last: load.total });
    else {
      t.level = decayed(t, now, p.windowMs, t.last);
      t.at = now;
      t.last = load.total;
    }
    const cap = (Math.max(1, load.loadFactor) * (t.level + 1)) / load.hosts;
    if (cap <= load.floor) return p.perHost;
    return Math.min(p.perHost, Math.max(1, cap * OWNER_SHARE));
  }

  /**
   * Records that `key` has `inflight` requests in flight at `now` (ms) and returns its owner count.
   * With `load`, one owner takes `unit(load)` of the demand instead of `perHost`.
   */
  observe(key: string, inflight: number, now: number, load?: FleetLoad): number {
    const p = this.policy;
    const unit = load === undefined ? p.perHost : this.unit(load, now);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (inflight * 2 <= unit) return 1;
      if (this.entries.size >= p.tableSize && !this.evictBelow(inflight, now)) return 1;
      // It enters at the admission threshold, not at a burst's peak: the average has to earn the rest.
      entry = { level: unit / 2, at: now, last: inflight, replicas: 1 };
      this.entries.set(key, entry);
    } else {
      entry.level = decayed(entry, now, p.windowMs, entry.last);
      entry.at = now;
      entry.last = inflight;
    }
    const wanted = Math.min(p.maxReplicas, Math.max(1, Math.ceil(entry.level / unit)));
    if (wanted > entry.replicas) entry.replicas = wanted;
    while (entry.replicas > 1 && entry.level < (entry.replicas - 1) * unit * SHRINK_BELOW) {
      entry.replicas -= 1;
    }
    // Forgotten well below the admission threshold, so a runtime near it is not admitted and dropped in turn.
    if (entry.replicas === 1 && entry.level * 4 < unit) this.entries.delete(key);
    return entry.replicas;
  }

  /** The owner count of `key` as last observed (1 when untracked). */
  replicas(key: string): number {
    return this.entries.get(key)?.replicas ?? 1;
  }

  /** Evicts the tracked runtime with the lowest demand if it is below `level`; whether one was. */
  private evictBelow(level: number, now: number): boolean {
    let lowest: string | undefined;
    let lowestLevel = level;
    for (const [key, e] of this.entries) {
      const l = decayed(e, now, this.policy.windowMs, e.last);
      if (l < lowestLevel) {
        lowestLevel = l;
        lowest = key;
      }
    }
    if (lowest === undefined) return false;
    this.entries.delete(lowest);
    return true;
  }
}

/** `e.level` moved toward `sample`, the value that held since `e.at`. */
function decayed(e: { level: number; at: number }, now: number, windowMs: number, sample: number): number {
  const dt = Math.max(0, now - e.at);
  const keep = Math.exp(-dt / windowMs);
  return sample + (e.level - sample) * keep;
}
