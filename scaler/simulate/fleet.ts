import type { ObservedHost } from '../types.ts';

/**
 * Warm runtimes of a host: hosts that have served longer hold more (one per minute since it became
 * active, up to 20, staggered per host so drain selectors have something to choose between).
 */
function warmOf(h: SimHost, now: number): number {
  const stagger = Number(h.id.slice(1)) % 3;
  return Math.min(20, Math.max(0, Math.floor((now - h.readyAt) / 60_000) + stagger));
}

/** One simulated host. */
interface SimHost {
  id: string;
  state: 'booting' | 'active' | 'draining';
  registeredAt: number;
  /** When it becomes active; Infinity for a host that never finishes booting. */
  readyAt: number;
  drainStartedAt?: number;
  /** In-flight executions when its drain began; they finish linearly over one execution time. */
  drainInflight?: number;
}

/** How the simulated fleet behaves. */
export interface FleetModel {
  /** Boot delay of a new host, ms. */
  bootMs: number;
  /** How long one execution runs, ms (a drained host finishes its work within this). */
  execMs: number;
  /** Drain timeout, ms: a host still busy after it is stopped anyway and its executions are cut off. */
  drainTimeoutMs: number;
  /** Whether the n-th started host (1-based) hangs in booting forever. */
  hangs?: (n: number) => boolean;
}

/** What the fleet did, for the figures. */
export interface FleetCounters {
  started: number;
  replaced: number;
  drained: number;
  stopped: number;
  /** Executions still running on a host when it was stopped. */
  cutOff: number;
  /** Hosts stopped while they still had work (drain timeout). */
  stoppedBusy: number;
  /** Registry writes: register, state change, deregister. */
  registryWrites: number;
  /** Warm runtimes held by hosts when they were drained (warm state thrown away). */
  warmDrained: number;
}

/**
 * A fleet on a simulated clock: hosts boot after a delay, active hosts share the demand evenly,
 * draining hosts take no new work and finish what they have before they are stopped (as the
 * scaler's loop does: wait for in-flight zero or the drain timeout, then stop and deregister).
 */
export class SimFleet {
  private hosts: SimHost[] = [];
  private seq = 0;
  readonly counters: FleetCounters = {
    started: 0,
    replaced: 0,
    drained: 0,
    stopped: 0,
    cutOff: 0,
    stoppedBusy: 0,
    registryWrites: 0,
    warmDrained: 0,
  };

  constructor(private readonly model: FleetModel) {}

  /** Adds `count` hosts that are already active at `now` (the fleet the scenario starts with). */
  seedActive(count: number, now: number): void {
    for (let i = 0; i < count; i++) this.hosts.push(this.newHost(now, now));
  }

  /** Starts `count` hosts booting at `now`. */
  start(count: number, now: number): void {
    for (let i = 0; i < count; i++) {
      this.counters.started++;
      const hangs = this.model.hangs?.(this.counters.started) ?? false;
      this.hosts.push(this.newHost(now, hangs ? Number.POSITIVE_INFINITY : now + this.model.bootMs));
      this.counters.registryWrites++;
    }
  }

  /** Puts a host into draining with the in-flight work it has right now. */
  drain(id: string, now: number, demand: number): void {
    const host = this.hosts.find((h) => h.id === id);
    if (!host || host.state === 'draining') return;
    host.drainInflight = host.state === 'active' ? this.perHost(demand) : 0;
    this.counters.warmDrained += host.state === 'active' ? warmOf(host, now) : 0;
    host.state = 'draining';
    host.drainStartedAt = now;
    this.counters.drained++;
    this.counters.registryWrites++;
  }

  /** Stops a host stuck in booting and starts another in its place. */
  replace(id: string, now: number): void {
    const index = this.hosts.findIndex((h) => h.id === id);
    if (index < 0) return;
    this.hosts.splice(index, 1);
    this.counters.replaced++;
    this.counters.registryWrites++;
    this.hosts.push(this.newHost(now, now + this.model.bootMs));
    this.counters.registryWrites++;
  }

  /** Moves time to `now`: finished boots become active, finished drains are stopped. */
  advance(now: number): void {
    for (const h of this.hosts) if (h.state === 'booting' && h.readyAt <= now) h.state = 'active';
    this.hosts = this.hosts.filter((h) => {
      if (h.state !== 'draining') return true;
      const left = this.drainLeft(h, now);
      const timedOut = now - h.drainStartedAt! >= this.model.drainTimeoutMs;
      if (left > 0 && !timedOut) return true;
      if (left > 0) {
        this.counters.cutOff += Math.ceil(left);
        this.counters.stoppedBusy++;
      }
      this.counters.stopped++;
      this.counters.registryWrites++;
      return false;
    });
  }

  /** Counts by state. */
  counts(): { active: number; booting: number; draining: number } {
    const c = { active: 0, booting: 0, draining: 0 };
    for (const h of this.hosts) c[h.state]++;
    return c;
  }

  /** The hosts as the scaler would observe them, with the demand spread over the active ones. */
  observe(now: number, demand: number): ObservedHost[] {
    return this.hosts.map((h) => ({
      id: h.id,
      state: h.state,
      registeredAt: h.registeredAt,
      bootStartedAt: h.registeredAt,
      warmRuntimes: h.state === 'active' ? warmOf(h, now) : 0,
      inflight:
        h.state === 'active' ? this.perHost(demand) : h.state === 'draining' ? this.drainLeft(h, now) : 0,
    }));
  }

  private perHost(demand: number): number {
    const active = this.hosts.filter((h) => h.state === 'active').length;
    return active > 0 ? demand / active : 0;
  }

  private drainLeft(h: SimHost, now: number): number {
    const done = Math.min(1, (now - h.drainStartedAt!) / Math.max(1, this.model.execMs));
    return (h.drainInflight ?? 0) * (1 - done);
  }

  private newHost(now: number, readyAt: number): SimHost {
    this.seq++;
    return {
      id: `h${String(this.seq).padStart(3, '0')}`,
      state: readyAt <= now ? 'active' : 'booting',
      registeredAt: now,
      readyAt,
    };
  }
}
