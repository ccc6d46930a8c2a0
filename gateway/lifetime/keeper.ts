import type { Logger } from '../../lib/logger.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import type { CreateFields } from '../activator/create-fields.ts';
import type { Fleet } from '../hosts/fleet.ts';
import type { PlacementMap } from '../hosts/placement.ts';
import { COLD_CAUSES, coldCause, type LastSeen, routedColdCause } from './cold-cause.ts';
import { inPinWindow, type MatchedPin, minWarmFloor, nextPinWindow, type PinRule, Pins } from './pins.ts';
import {
  callEnded,
  callStarted,
  type LifetimePlan,
  type LifetimeRules,
  newHistory,
  planLifetime,
  type RuntimeHistory,
  wantsWarm,
} from './policy.ts';

/** The `gateway.keepWarm` settings (config/schema/gateway.ts holds their meaning and defaults). */
export interface KeepWarmOptions extends LifetimeRules {
  enabled: boolean;
  tick: number;
  maxRuntimes: number;
  warmBudget: number;
  hostRuntimeLimit: number;
  deleteIdle: boolean;
  handoff: boolean;
  pins: PinRule[];
}

/** What the keeper works with. */
export interface KeeperDeps {
  options: KeepWarmOptions;
  fleet: Pick<Fleet, 'hosts' | 'byId' | 'ring'>;
  placement: Pick<PlacementMap, 'hosts' | 'clear' | 'countsByHost'>;
  /** Creates a runtime on its ring owner (the activator's single-flight create); resolves whether it is up. */
  prewarm(runtimeId: string, fields: CreateFields): Promise<boolean>;
  /** Creates a runtime on one given host (warm handoff to its new ring owner); resolves whether it is up. */
  prewarmOn?(hostId: string, runtimeId: string, fields: CreateFields): Promise<boolean>;
  /** `Bearer <executor secret>`. */
  upstreamAuthorization: string;
  metrics: Pick<
    GatewayMetrics,
    'prewarms' | 'keepWarmDeletes' | 'warmRuntimeSeconds' | 'coldStartsByCause' | 'handoffs'
  >;
  logger: Logger;
  /** Wall clock, ms. */
  now: () => number;
}

interface Tracked {
  history: RuntimeHistory;
  fields: CreateFields | undefined;
  /** Set by a pre-warm until the next call (useful) or a delete (wasted). */
  prewarmedAt: number | undefined;
  busy: boolean;
  /** The plan since the last call started or ended (a pass plans each runtime once per call, not per tick). */
  plan: LifetimePlan | undefined;
  /** The first pin matching its id (matched once). */
  pin: MatchedPin | undefined;
  /** Where it was warm and its ring owner at the end of its last call (cold-start causes). */
  last: LastSeen | undefined;
}

/**
 * Runtime lifetime owned by the gateway: learns each runtime's idle times from the executions it
 * forwards, and every `tick` applies the hybrid histogram policy (policy.ts): pre-warms a runtime the
 * policy wants warm and no active host has (on its ring owner, within the warm budget and the hosts'
 * runtime limit), and deletes a runtime the policy no longer wants from the hosts where it is warm.
 * Bounded: at most `maxRuntimes` runtimes tracked, the least recently called dropped first.
 */
export class Keeper {
  private readonly runtimes = new Map<string, Tracked>();
  private readonly pins: Pins;
  private timer: NodeJS.Timeout | undefined;
  private lastTick: number | undefined;
  private prewarming = 0;
  private passing = false;

  constructor(private readonly deps: KeeperDeps) {
    this.pins = new Pins(deps.options.pins);
    for (const result of ['useful', 'wasted', 'failed']) deps.metrics.prewarms.inc({ result }, 0);
    for (const cause of COLD_CAUSES) deps.metrics.coldStartsByCause.inc({ cause }, 0);
    for (const result of ['created', 'failed']) deps.metrics.handoffs.inc({ result }, 0);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.deps.options.tick);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * An execution of `runtimeId` starts; call the returned function when it ends, with the host that
   * answered it on the first try (undefined when none did or it took more).
   */
  started(runtimeId: string): (host?: string) => void {
    const t = this.track(runtimeId);
    const now = this.deps.now();
    const warmBefore = this.warmHosts(runtimeId);
    const lastOwner = t.last?.owner;
    if (t.prewarmedAt !== undefined) {
      this.deps.metrics.prewarms.inc({ result: 'useful' });
      t.prewarmedAt = undefined;
    }
    callStarted(t.history, now);
    t.plan = undefined;
    let open = true;
    return (host) => {
      if (!open) return;
      open = false;
      callEnded(t.history, this.deps.now());
      t.plan = undefined;
      const owner = this.owner(runtimeId);
      const cause = routedColdCause(warmBefore, host, owner, lastOwner);
      if (cause !== undefined) this.deps.metrics.coldStartsByCause.inc({ cause });
      t.last = { warmOn: this.deps.placement.hosts(runtimeId), owner };
    };
  }

  /** The activator read the runtime fields of a cold execution: kept for pre-warms. */
  coldStart(runtimeId: string, fields: CreateFields): void {
    const t = this.track(runtimeId);
    const isActive = (id: string) => this.deps.fleet.byId.get(id)?.state === 'active';
    const cause = coldCause(t.last, isActive, this.owner(runtimeId));
    this.deps.metrics.coldStartsByCause.inc({ cause });
    t.fields = fields;
  }

  /** What the keeper knows of one runtime (for `explain`), or undefined. */
  explain(runtimeId: string): RuntimeReport | undefined {
    const t = this.runtimes.get(runtimeId);
    if (t === undefined) return undefined;
    const now = this.deps.now();
    const plan = planLifetime(t.history, this.deps.options, t.pin);
    const floor = this.floor().has(runtimeId);
    const inWindow = inPinWindow(t.pin, now);
    const nextWindow = inWindow ? undefined : nextPinWindow(t.pin, now);
    const nextPlanned = plan.warmFrom > now && Number.isFinite(plan.warmFrom) ? plan.warmFrom : undefined;
    const h = t.history.histogram;
    const bins: Array<[number, number]> = [];
    h.counts.forEach((c, i) => {
      if (c > 0) bins.push([i * h.binMs, c]);
    });
    return {
      runtimeId,
      warmOn: this.warmHosts(runtimeId),
      lastCallAt: t.history.lastCallAt,
      running: t.history.running,
      idleTimes: { total: h.total, outOfBounds: h.outOfBounds, binMs: h.binMs, bins },
      plan: finite(plan),
      pin:
        t.pin === undefined
          ? undefined
          : {
              pattern: t.pin.pattern,
              alwaysWarm: t.pin.alwaysWarm,
              maxIdle: t.pin.maxIdle,
              minWarm: t.pin.minWarm,
              windows: t.pin.windows.map((w) => w.text),
              inWindow,
              nextWindowAt: nextWindow,
              keptByMinWarm: floor,
            },
      wantsWarmNow: floor || inWindow || wantsWarm(plan, now),
      nextPrewarmAt:
        floor || inWindow
          ? undefined
          : nextWindow === undefined || nextPlanned === undefined
            ? (nextWindow ?? nextPlanned)
            : Math.min(nextWindow, nextPlanned),
      canPrewarm: t.fields !== undefined,
      prewarmedAt: t.prewarmedAt,
    };
  }

  /** The fleet changed: a pass right away (warm handoff) when started and no pass is running. */
  kick(): void {
    if (this.timer !== undefined && !this.passing) void this.tick();
  }

  /** One pass over every tracked runtime (the timer calls it; tests may too). */
  async tick(): Promise<void> {
    this.passing = true;
    try {
      await this.pass();
    } finally {
      this.passing = false;
    }
  }

  private async pass(): Promise<void> {
    const o = this.deps.options;
    const now = this.deps.now();
    const seconds = this.lastTick === undefined ? 0 : (now - this.lastTick) / 1000;
    this.lastTick = now;
    const counts = this.deps.placement.countsByHost();
    if (seconds > 0)
      for (const [host, n] of counts) this.deps.metrics.warmRuntimeSeconds.inc({ host }, n * seconds);
    let budget = o.warmBudget - [...counts.values()].reduce((a, b) => a + b, 0);
    const floor = this.floor();
    const work: Promise<void>[] = [];
    for (const [id, t] of this.runtimes) {
      if (t.busy) continue;
      t.plan ??= planLifetime(t.history, o, t.pin);
      // Pins first: a runtime a `minWarm` pin keeps, or inside an always-warm window, stays warm.
      const want = floor.has(id) || inPinWindow(t.pin, now) || wantsWarm(t.plan, now);
      const warm = this.warmHosts(id);
      if (want && warm.length === 0 && t.fields !== undefined && budget > 0 && this.prewarming < 8) {
        // Also the warm handoff of a drained or departed host: no active host has it, its owner gets it.
        if (!this.ownerHasRoom(id, counts)) continue;
        budget -= 1;
        work.push(this.prewarm(id, t));
      } else if (
        want &&
        t.fields !== undefined &&
        budget > 0 &&
        this.prewarming < 8 &&
        this.handsOff(id, warm, counts)
      ) {
        // Warm handoff to a new ring owner (a host joined): created there before the balancer routes
        // the runtime to it (it prefers warm hosts, in ring order, so it moves once the copy is up).
        budget -= 1;
        work.push(this.handoff(id, t, this.owner(id)!));
      } else if (!want && warm.length > 0 && t.history.running === 0 && o.deleteIdle) {
        work.push(this.remove(id, t, warm));
      }
    }
    await Promise.all(work);
  }

  private track(runtimeId: string): Tracked {
    let t = this.runtimes.get(runtimeId);
    if (t !== undefined) {
      // Most recently used last: the map's first entry is the one to drop.
      this.runtimes.delete(runtimeId);
      this.runtimes.set(runtimeId, t);
      return t;
    }
    t = {
      history: newHistory(this.deps.options),
      fields: undefined,
      prewarmedAt: undefined,
      busy: false,
      plan: undefined,
      pin: this.pins.match(runtimeId),
      last: undefined,
    };
    this.runtimes.set(runtimeId, t);
    if (this.runtimes.size > this.deps.options.maxRuntimes) {
      const oldest = this.runtimes.keys().next().value;
      if (oldest !== undefined) this.runtimes.delete(oldest);
    }
    return t;
  }

  /** The runtimes the `minWarm` pins keep warm now. */
  private floor(): Set<string> {
    if (!this.pins.all.some((p) => p.minWarm > 0)) return new Set();
    const rows = [];
    for (const [id, t] of this.runtimes) {
      if (t.pin !== undefined && t.pin.minWarm > 0) {
        rows.push({ id, pin: t.pin, lastCallAt: t.history.lastCallAt, canCreate: t.fields !== undefined });
      }
    }
    return minWarmFloor(rows);
  }

  private owner(runtimeId: string): string | undefined {
    return this.deps.fleet.ring.candidates(runtimeId, 1)[0];
  }

  private warmHosts(runtimeId: string): string[] {
    return this.deps.placement
      .hosts(runtimeId)
      .filter((h) => this.deps.fleet.byId.get(h)?.state === 'active');
  }

  /**
   * Whether the runtime's ring owner (the host its pre-warm and its calls go to at low load) is
   * under the hosts' runtime limit.
   */
  private ownerHasRoom(runtimeId: string, counts: Map<string, number>): boolean {
    const owner = this.owner(runtimeId);
    if (owner === undefined) return false;
    return (counts.get(owner) ?? 0) < this.deps.options.hostRuntimeLimit;
  }

  /** Whether a hot runtime warm elsewhere should be created on its ring owner (active, with room). */
  private handsOff(runtimeId: string, warm: readonly string[], counts: Map<string, number>): boolean {
    if (!this.deps.options.handoff || this.deps.prewarmOn === undefined || warm.length === 0) return false;
    const owner = this.owner(runtimeId);
    if (owner === undefined || warm.includes(owner)) return false;
    if (this.deps.fleet.byId.get(owner)?.state !== 'active') return false;
    return (counts.get(owner) ?? 0) < this.deps.options.hostRuntimeLimit;
  }

  private async handoff(runtimeId: string, t: Tracked, owner: string): Promise<void> {
    t.busy = true;
    this.prewarming += 1;
    try {
      const ok = await this.deps.prewarmOn!(owner, runtimeId, t.fields!);
      this.deps.metrics.handoffs.inc({ result: ok ? 'created' : 'failed' });
      if (ok) t.prewarmedAt ??= this.deps.now();
    } finally {
      t.busy = false;
      this.prewarming -= 1;
    }
  }

  private async prewarm(runtimeId: string, t: Tracked): Promise<void> {
    t.busy = true;
    this.prewarming += 1;
    try {
      const ok = await this.deps.prewarm(runtimeId, t.fields!);
      // An earlier pre-warm still uncalled is gone (an executor reaped it): that one was wasted.
      if (ok && t.prewarmedAt !== undefined) this.deps.metrics.prewarms.inc({ result: 'wasted' });
      if (ok) t.prewarmedAt = this.deps.now();
      else this.deps.metrics.prewarms.inc({ result: 'failed' });
    } finally {
      t.busy = false;
      this.prewarming -= 1;
    }
  }

  private async remove(runtimeId: string, t: Tracked, hosts: string[]): Promise<void> {
    t.busy = true;
    try {
      for (const id of hosts) {
        const host = this.deps.fleet.byId.get(id);
        if (host === undefined) continue;
        try {
          const res = await host.pool.request({
            method: 'DELETE',
            path: `/v1/runtimes/${encodeURIComponent(runtimeId)}`,
            headers: { authorization: this.deps.upstreamAuthorization },
            headersTimeout: 10_000,
            bodyTimeout: 10_000,
          });
          await res.body.dump();
          if (res.statusCode < 300 || res.statusCode === 404) {
            this.deps.placement.clear(runtimeId, id);
            this.deps.metrics.keepWarmDeletes.inc({ host: id });
          }
        } catch (error) {
          this.deps.logger.debug({ host: id, err: (error as Error).message }, 'keep-warm: delete failed');
        }
      }
      if (t.prewarmedAt !== undefined) {
        this.deps.metrics.prewarms.inc({ result: 'wasted' });
        t.prewarmedAt = undefined;
      }
    } finally {
      t.busy = false;
    }
  }
}

/** What `explain` answers for one runtime. */
export interface RuntimeReport {
  runtimeId: string;
  warmOn: string[];
  lastCallAt: number | undefined;
  running: number;
  idleTimes: { total: number; outOfBounds: number; binMs: number; bins: Array<[number, number]> };
  plan: LifetimePlan;
  /** The pin that applies, and what it decides now. */
  pin?: {
    pattern: string;
    alwaysWarm: boolean;
    maxIdle: number | undefined;
    minWarm: number;
    windows: string[];
    inWindow: boolean;
    nextWindowAt: number | undefined;
    keptByMinWarm: boolean;
  };
  wantsWarmNow: boolean;
  nextPrewarmAt: number | undefined;
  canPrewarm: boolean;
  prewarmedAt: number | undefined;
}

/** A plan with its infinite bounds as null-free JSON numbers (JSON has no Infinity). */
function finite(plan: LifetimePlan): LifetimePlan {
  return {
    ...plan,
    warmFrom: Number.isFinite(plan.warmFrom) ? plan.warmFrom : 0,
    warmUntil: Number.isFinite(plan.warmUntil) ? plan.warmUntil : Number.MAX_SAFE_INTEGER,
  };
}
