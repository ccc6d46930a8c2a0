import type { Logger } from '../../lib/logger.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import type { CreateFields } from '../activator/create-fields.ts';
import type { Fleet } from '../hosts/fleet.ts';
import type { PlacementMap } from '../hosts/placement.ts';
import { COLD_CAUSES, coldCause, type LastSeen, routedColdCause } from './cold-cause.ts';
import { callsInOrder, mergeCall } from './observations.ts';
import {
  newOverflowHistory,
  type OverflowHistory,
  overflowSeen,
  type SurplusKeep,
  surplusKeep,
} from './overflow-gaps.ts';
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
import type { SharedKeeping } from './shared-keeping.ts';
import { isSurplusCopy, surplusCopies } from './surplus.ts';

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
  /** The keeper lease when shared through the registry, ms. */
  leaseTtl: number;
  /** Observation batches the shared log keeps. */
  sharedBatches: number;
  /** A surplus copy of a wanted runtime that served no call for this long is deleted, ms. */
  surplusIdle: number;
  /** Learn `surplusIdle` per runtime from the gaps between its overflow episodes (overflow-gaps.ts). */
  learnSurplus: boolean;
}

/** What the keeper works with. */
export interface KeeperDeps {
  options: KeepWarmOptions;
  fleet: Pick<Fleet, 'hosts' | 'byId' | 'ring'>;
  placement: Pick<PlacementMap, 'hosts' | 'clear' | 'countsByHost' | 'markWarm'>;
  /** Creates a runtime on its ring owner (the activator's single-flight create); resolves whether it is up. */
  prewarm(runtimeId: string, fields: CreateFields): Promise<boolean>;
  /** Creates a runtime on one given host (warm handoff to its new ring owner); resolves whether it is up. */
  prewarmOn?(hostId: string, runtimeId: string, fields: CreateFields): Promise<boolean>;
  /** `Bearer <executor secret>`. */
  upstreamAuthorization: string;
  metrics: Pick<
    GatewayMetrics,
    'prewarms' | 'keepWarmDeletes' | 'keepWarmTrims' | 'warmRuntimeSeconds' | 'coldStartsByCause' | 'handoffs'
  >;
  logger: Logger;
  /** Wall clock, ms. */
  now: () => number;
  /**
   * Keep-warm shared by the pool's gateways (a registry that supports it): observations are
   * exchanged every tick and only the elected keeper pre-warms and deletes. Absent: this gateway
   * alone decides from what it sees.
   */
  shared?: SharedKeeping;
  /** Re-reads every host's runtime list (placement resync), before a drain handoff. */
  resync?: () => Promise<void>;
  /** Owners the balancer gives a runtime now (replication); an old copy a replica needs is kept. */
  replicaCount?: (runtimeId: string) => number;
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
  /** Until when another gateway reported a call of it running (wall clock, ms; shared keep-warm). */
  remoteUntil: number;
  /** The hosts it was warm on when a join handoff created it on its new owner: deleted once that is warm. */
  handedFrom: string[] | undefined;
  /** Per host: when its copy last ended a call, was created or was first seen (surplus copies). */
  usedOn: Map<string, number>;
  /** Its overflow episodes (created at its first overflow call; `learnSurplus`). */
  overflow: OverflowHistory | undefined;
}

/** Why keep-warm deletes copies of a runtime. */
type RemoveReason = 'unwanted' | 'retire' | 'surplus';

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
  /** Drains already handed over, until the scaler withdraws their intent. */
  private readonly drainsDone = new Set<string>();

  constructor(private readonly deps: KeeperDeps) {
    this.pins = new Pins(deps.options.pins);
    for (const result of ['useful', 'wasted', 'failed']) deps.metrics.prewarms.inc({ result }, 0);
    for (const cause of COLD_CAUSES) deps.metrics.coldStartsByCause.inc({ cause }, 0);
    for (const result of ['created', 'failed']) deps.metrics.handoffs.inc({ result }, 0);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.deps.shared?.start();
    this.timer = setInterval(() => void this.tick(), this.deps.options.tick);
    this.timer.unref();
  }

  /** Stops the passes; a keeper gives its lease up, so another gateway takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.deps.shared?.stop();
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
    if (t.fields !== undefined) this.deps.shared?.fieldsSeen(runtimeId, t.fields);
    let open = true;
    return (host) => {
      if (!open) return;
      open = false;
      const ended = this.deps.now();
      callEnded(t.history, ended);
      this.deps.shared?.outbox.ended(runtimeId, now, ended);
      if (host !== undefined) {
        this.deps.shared?.outbox.place(runtimeId, host, true);
        t.usedOn.set(host, ended);
        this.overflowCall(runtimeId, t, host, now, ended);
      }
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
    this.deps.shared?.fieldsSeen(runtimeId, fields, true);
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
      keeper: this.deps.shared === undefined ? 'local' : this.deps.shared.leads() ? 'elected' : 'follower',
      runningElsewhereUntil: t.remoteUntil > now ? t.remoteUntil : undefined,
      surplusCopies: { ...this.surplusKeep(t), overflowGaps: t.overflow?.gaps.total ?? 0 },
    };
  }

  /** The fleet changed: a pass right away (warm handoff) when started and no pass is running. */
  kick(): void {
    if (this.timer !== undefined && !this.passing) void this.tick();
  }

  /** One pass over every tracked runtime (the timer calls it; tests may too). */
  async tick(): Promise<void> {
    // One pass at a time: a pass slower than the tick (a slow Redis, slow creates) skips the next.
    if (this.passing) return;
    this.passing = true;
    try {
      const shared = this.deps.shared;
      if (shared !== undefined) {
        await this.exchange(shared);
        // A follower keeps the pool's histories (explain, a take-over) but leaves acting to the keeper.
        if (!shared.leads()) {
          this.lastTick = undefined;
          return;
        }
        await this.drainHandoffs(shared);
      }
      await this.pass();
    } finally {
      this.passing = false;
    }
  }

  /** Publishes this gateway's calls and merges the other gateways' (shared keep-warm). */
  private async exchange(shared: SharedKeeping): Promise<void> {
    const running = new Map<string, number>();
    for (const [id, t] of this.runtimes) if (t.history.running > 0) running.set(id, t.history.running);
    const batches = await shared.exchange(running);
    if (batches.length === 0) return;
    // A call running on another gateway keeps its runtime wanted until that gateway's next batches.
    const runningFor = 3 * this.deps.options.tick;
    for (const b of batches) {
      for (const r of b.runtimes) {
        const t = this.track(r.id);
        if (r.running > 0) t.remoteUntil = Math.max(t.remoteUntil, b.at + runningFor);
        if (r.fields !== undefined) t.fields = shared.openFields(r.fields) ?? t.fields;
        t.plan = undefined;
      }
      // Where the other gateways' calls, pre-warms and deletes left runtimes (hosts this one knows).
      for (const [id, host, warm] of b.placed) {
        if (!this.deps.fleet.byId.has(host)) continue;
        if (warm === 1) {
          this.deps.placement.markWarm(id, host);
          const t = this.runtimes.get(id);
          if (t !== undefined && (t.usedOn.get(host) ?? 0) < b.at) {
            t.usedOn.set(host, b.at);
            this.overflowCall(id, t, host, b.at, b.at);
          }
        } else this.deps.placement.clear(id, host);
      }
    }
    for (const c of callsInOrder(batches, '')) {
      const t = this.runtimes.get(c.id);
      if (t === undefined) continue;
      mergeCall(t.history, c.start, c.end);
      if (t.prewarmedAt !== undefined && c.start >= t.prewarmedAt) {
        this.deps.metrics.prewarms.inc({ result: 'useful' });
        t.prewarmedAt = undefined;
      }
    }
  }

  /**
   * Handoff before a drain: for each host the scaler announced it will drain, the runtimes warm there
   * that the policy wants are created on their next owner (the first active host after it in their
   * order), then the drain is acknowledged so the scaler drains it at once.
   */
  private async drainHandoffs(shared: SharedKeeping): Promise<void> {
    const hosts = await shared.drainIntents();
    for (const h of this.drainsDone) if (!hosts.includes(h)) this.drainsDone.delete(h);
    const pending = hosts.filter((h) => !this.drainsDone.has(h) && this.deps.fleet.byId.has(h));
    if (pending.length === 0) return;
    // The keeper knows where its own calls went; the host itself knows what the other gateways put there.
    await this.deps.resync?.();
    for (const hostId of pending) {
      await this.handOver(hostId);
      await shared.ackDrain(hostId);
      this.drainsDone.add(hostId);
    }
  }

  private async handOver(hostId: string): Promise<void> {
    if (this.deps.prewarmOn === undefined) return;
    const now = this.deps.now();
    const floor = this.floor();
    const counts = this.deps.placement.countsByHost();
    const jobs: Array<() => Promise<void>> = [];
    for (const [id, t] of this.runtimes) {
      if (t.fields === undefined || !this.deps.placement.hosts(id).includes(hostId)) continue;
      if (!this.wanted(id, t, now, floor)) continue;
      const next = this.deps.fleet.ring
        .candidates(id, 8)
        .find((h) => h !== hostId && this.deps.fleet.byId.get(h)?.state === 'active');
      if (next === undefined || this.deps.placement.hosts(id).includes(next)) continue;
      if ((counts.get(next) ?? 0) >= this.deps.options.hostRuntimeLimit) continue;
      counts.set(next, (counts.get(next) ?? 0) + 1);
      const fields = t.fields;
      jobs.push(async () => {
        const ok = await this.deps.prewarmOn!(next, id, fields);
        this.deps.metrics.handoffs.inc({ result: ok ? 'created' : 'failed' });
        if (ok) this.deps.shared?.outbox.place(id, next, true);
      });
    }
    // At most 8 creates at a time, as the pass.
    for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((j) => j()));
  }

  /** Whether the pins, the plan or a call running anywhere want `id` warm now. */
  private wanted(id: string, t: Tracked, now: number, floor: Set<string>): boolean {
    t.plan ??= planLifetime(t.history, this.deps.options, t.pin);
    return floor.has(id) || inPinWindow(t.pin, now) || wantsWarm(t.plan, now) || t.remoteUntil > now;
  }

  private async pass(): Promise<void> {
    const o = this.deps.options;
    const now = this.deps.now();
    const seconds = this.lastTick === undefined ? 0 : (now - this.lastTick) / 1000;
    this.lastTick = now;
    const counts = this.deps.placement.countsByHost();
    if (seconds > 0)
      for (const [host, n] of counts) this.deps.metrics.warmRuntimeSeconds.inc({ host }, n * seconds);
    // Every host keep-warm may delete on has its delete counters, at 0 until a delete: a rate over
    // them reads 0, not "no data", and a dashboard shows the host.
    for (const host of counts.keys()) {
      this.deps.metrics.keepWarmDeletes.inc({ host }, 0);
      this.deps.metrics.keepWarmTrims.inc({ host }, 0);
    }
    let budget = o.warmBudget - [...counts.values()].reduce((a, b) => a + b, 0);
    const floor = this.floor();
    const work: Promise<void>[] = [];
    for (const [id, t] of this.runtimes) {
      if (t.busy) continue;
      // Pins first: a runtime a `minWarm` pin keeps, or inside an always-warm window, stays warm.
      const want = this.wanted(id, t, now, floor);
      const warm = this.warmHosts(id);
      const idle = t.history.running === 0 && t.remoteUntil <= now;
      const retired = this.retiring(id, t, warm, idle);
      const surplus = want && o.deleteIdle ? this.surplus(id, t, warm, idle, now) : [];
      if (retired.length > 0) {
        // After a join handoff, once the new owner is warm: the old copies go (unless a replica needs one).
        work.push(this.remove(id, t, retired, 'retire'));
      } else if (surplus.length > 0) {
        // Warm on more hosts than the pick sends it to: the extra copies that served nothing lately go.
        work.push(this.remove(id, t, surplus, 'surplus'));
      } else if (
        want &&
        warm.length === 0 &&
        idle &&
        t.fields !== undefined &&
        budget > 0 &&
        this.prewarming < 8
      ) {
        // Also the warm handoff of a drained or departed host: no active host has it, its owner gets it.
        // Not while a call of it runs (here or on another gateway): it is warm where that call runs.
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
        t.handedFrom = warm;
        work.push(this.handoff(id, t, this.owner(id)!));
      } else if (!want && warm.length > 0 && idle && o.deleteIdle) {
        work.push(this.remove(id, t, warm, 'unwanted'));
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
      remoteUntil: 0,
      handedFrom: undefined,
      usedOn: new Map(),
      overflow: undefined,
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
      if (ok) this.deps.shared?.outbox.place(runtimeId, owner, true);
      if (ok) t.prewarmedAt ??= this.deps.now();
      if (ok) t.usedOn.set(owner, this.deps.now());
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
      if (ok)
        for (const h of this.deps.placement.hosts(runtimeId)) {
          this.deps.shared?.outbox.place(runtimeId, h, true);
          t.usedOn.set(h, this.deps.now());
        }
      else this.deps.metrics.prewarms.inc({ result: 'failed' });
    } finally {
      t.busy = false;
      this.prewarming -= 1;
    }
  }

  /**
   * The old copies of a runtime handed off to its new owner after a join, to delete now: once the
   * owner has it warm and no call of it runs anywhere, unless replication gives it more than one owner
   * (then the handoff's record is dropped and the copies stay for the policy to decide).
   */
  private retiring(runtimeId: string, t: Tracked, warm: readonly string[], idle: boolean): string[] {
    if (t.handedFrom === undefined || !idle || !this.deps.options.deleteIdle) return [];
    const owner = this.owner(runtimeId);
    if (owner === undefined || !warm.includes(owner)) return [];
    const old = t.handedFrom.filter((h) => h !== owner && warm.includes(h));
    if (old.length === 0 || (this.deps.replicaCount?.(runtimeId) ?? 1) > 1) {
      t.handedFrom = undefined;
      return [];
    }
    return old;
  }

  /**
   * The surplus copies of a wanted runtime (surplus.ts) to delete now. A copy first seen here starts
   * its idle time now, so a copy another gateway or a resync revealed is not trimmed at once.
   */
  private surplus(
    runtimeId: string,
    t: Tracked,
    warm: readonly string[],
    idle: boolean,
    now: number,
  ): string[] {
    if (warm.length < 2) return [];
    for (const h of warm) if (!t.usedOn.has(h)) t.usedOn.set(h, now);
    const order = this.deps.fleet.ring
      .candidates(runtimeId)
      .filter((h) => this.deps.fleet.byId.get(h)?.state === 'active');
    return surplusCopies({
      warm,
      order,
      keep: this.deps.replicaCount?.(runtimeId) ?? 1,
      lastUsed: t.usedOn,
      running: !idle,
      now,
      surplusIdle: this.surplusKeep(t).idle,
    });
  }

  /** How long this runtime's surplus copies are kept (learned from its overflow gaps, or the fixed `surplusIdle`). */
  private surplusKeep(t: Tracked): SurplusKeep {
    const o = this.deps.options;
    if (!o.learnSurplus || t.overflow === undefined)
      return {
        idle: o.surplusIdle,
        basis: 'fixed',
        why: o.learnSurplus ? 'no overflow seen' : 'learnSurplus off',
      };
    return surplusKeep(t.overflow, o);
  }

  /** A call of the runtime ran on `host` from `start` to `end`: an overflow episode when that copy is a surplus one. */
  private overflowCall(runtimeId: string, t: Tracked, host: string, start: number, end: number): void {
    if (!this.deps.options.learnSurplus) return;
    const order = this.deps.fleet.ring
      .candidates(runtimeId)
      .filter((h) => this.deps.fleet.byId.get(h)?.state === 'active');
    const keep = this.deps.replicaCount?.(runtimeId) ?? 1;
    if (!isSurplusCopy({ warm: this.warmHosts(runtimeId), order, keep }, host)) return;
    t.overflow ??= newOverflowHistory(this.deps.options);
    overflowSeen(t.overflow, start, end);
  }

  private async remove(runtimeId: string, t: Tracked, hosts: string[], why: RemoveReason): Promise<void> {
    t.busy = true;
    try {
      for (const id of hosts) {
        // A call that started since the pass looked (here or on another gateway) keeps every copy.
        if (why !== 'retire' && (t.history.running > 0 || t.remoteUntil > this.deps.now())) break;
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
            this.deps.shared?.outbox.place(runtimeId, id, false);
            this.deps.metrics.keepWarmDeletes.inc({ host: id });
            if (why === 'surplus') this.deps.metrics.keepWarmTrims.inc({ host: id });
            t.usedOn.delete(id);
          }
        } catch (error) {
          this.deps.logger.debug({ host: id, err: (error as Error).message }, 'keep-warm: delete failed');
        }
      }
      if (why === 'retire') t.handedFrom = undefined;
      else if (why === 'unwanted' && t.prewarmedAt !== undefined) {
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
  /** `local`: this gateway decides alone; `elected`: it is the pool's keeper; `follower`: another gateway is. */
  keeper: 'local' | 'elected' | 'follower';
  /** Until when another gateway reported a call of it running (shared keep-warm), ms. */
  runningElsewhereUntil: number | undefined;
  /** How long its surplus copies are kept after their last call, and the overflow gaps it learned from. */
  surplusCopies: SurplusKeep & { overflowGaps: number };
}

/** A plan with its infinite bounds as null-free JSON numbers (JSON has no Infinity). */
function finite(plan: LifetimePlan): LifetimePlan {
  return {
    ...plan,
    warmFrom: Number.isFinite(plan.warmFrom) ? plan.warmFrom : 0,
    warmUntil: Number.isFinite(plan.warmUntil) ? plan.warmUntil : Number.MAX_SAFE_INTEGER,
  };
}
