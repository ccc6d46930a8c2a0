import { errorKind } from '../../lib/network-errors.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import type { Fleet, HostEntry } from '../hosts/fleet.ts';
import type { HealthChecker } from '../hosts/health-checker.ts';
import type { PlacementMap } from '../hosts/placement.ts';
import type { RequestMetrics } from '../observe.ts';
import type { RoutePattern } from '../route.ts';
import type { EligibleLoad } from './eligible-load.ts';
import { isRuntimeWork, learn } from './learn.ts';
import { type LegacyAlgorithm, legacyOrder } from './legacy-order.ts';
import { type Addressing, type PickInput, type PickReason, type PickResult, pick } from './pick.ts';
import { ReplicaTable } from './replicas.ts';
import { RuntimeLoads } from './runtime-loads.ts';

/** What the balancer needs to know of a request. */
export interface BalancePlan {
  method: string;
  route: RoutePattern;
  /** The runtime id the request is keyed by, when it has one. */
  key: string | undefined;
  addressing: Addressing;
}

/** How one attempt on a host ended, as the balancer learns from it. */
export type AttemptOutcome =
  /** The host answered `status`; `peek` is the first 404 body chunk; `headersSeconds` the wait for headers. */
  | { kind: 'done'; status: number; peek: Buffer | undefined; headersSeconds: number }
  /** Nothing reached the host. */
  | { kind: 'connect'; error: Error }
  /** Sent, and no answer came (`timeout`: in time). */
  | { kind: 'failed'; error: Error; timeout: boolean }
  /** The answer broke off after its headers. */
  | { kind: 'broken'; error: Error }
  /** The client went away. */
  | { kind: 'client-aborted' };

/** One host lent to one attempt: counted in flight on it until `release`. */
export interface Lease {
  readonly host: HostEntry;
  /** Why this request's first host was chosen. */
  readonly reason: PickReason;
  /** Whether the runtime is known warm on this host. */
  readonly warm: boolean;
  /** Hands the host back with how the attempt ended; later calls do nothing. */
  release(outcome: AttemptOutcome): void;
}

/** What the balancer is built from. */
export interface BalancerDeps {
  fleet: Fleet;
  health: Pick<HealthChecker, 'passiveFailure' | 'passiveSuccess'>;
  placement: PlacementMap;
  metrics: Pick<GatewayMetrics, 'coldRoutes' | 'upstreamErrors' | 'retries'>;
  hot: Pick<RequestMetrics, 'picked' | 'upstreamSeconds'>;
  /** Uniform in [0, 1); seeded in tests. */
  random: () => number;
  loadFactor: number;
  loadFloor: number;
  boundedLoads: boolean;
  warmPreference: boolean;
  /** open-runtimes/proxy's algorithm for keyless requests; undefined: power of two choices. */
  legacyAlgorithm: LegacyAlgorithm | undefined;
  /** `gateway.warmSlots`: a warm host at the cap still takes the runtime below this many of its requests (0 or undefined: off). */
  warmSlots?: number;
  /** Popularity-aware replication; undefined or `perHost` 0: off. */
  replication?: { perHost: number; maxReplicas: number; windowMs: number; tableSize: number } | undefined;
  /** Milliseconds, monotonic; the replica table's clock. */
  now?: () => number;
}

const never = (): boolean => false;

/**
 * The one owner of hosts as requests see them: which host a request goes to (warm placement, the
 * ring with bounded loads, power of two choices), the in-flight counts (changed here and nowhere
 * else: +1 when a host is lent, −1 when it is handed back) and what each answer teaches (passive
 * health, placement, error metrics).
 */
export class Balancer {
  private legacyTurn = 0;
  /** Per-runtime demand and owner counts; undefined when replication is off. */
  private readonly replicas: ReplicaTable | undefined;
  /** Requests in flight per runtime and host (counted only with replication or `warmSlots` on). */
  readonly runtimeLoads: RuntimeLoads | undefined;
  /** Per host: requests in flight of runtimes that had more than one owner when picked. */
  readonly movable = new Map<string, number>();
  private readonly hostOf = (id: string) => this.deps.fleet.byId.get(id);
  private readonly loadOf = (id: string) => this.deps.fleet.byId.get(id)?.inflight ?? 0;
  /**
   * The runtime of the pick being made, read by `warmOf` and `warmHostsOf`: one pair of functions for
   * every pick instead of two closures per request. A pick is synchronous and they are called only
   * during it (the failover rest of a pick reads neither).
   */
  private picking = '';
  private readonly warmOf = (hostId: string) => this.deps.placement.isWarm(this.picking, hostId);
  private readonly warmHostsOf = () => this.deps.placement.hosts(this.picking);

  constructor(private readonly deps: BalancerDeps) {
    const r = deps.replication;
    if (r !== undefined && r.perHost > 0) this.replicas = new ReplicaTable(r);
    if (this.replicas !== undefined || (deps.warmSlots ?? 0) > 0) this.runtimeLoads = new RuntimeLoads();
  }

  /** The fleet's eligible hosts and their load, which every in-flight change here updates. */
  get fleetLoad(): EligibleLoad {
    return this.deps.fleet.load;
  }

  /** Owners `key` has now (1 without replication). */
  replicaCount(key: string): number {
    return this.replicas?.replicas(key) ?? 1;
  }

  /**
   * The host for the first attempt of `plan`, or with `previous`, the next host of the same try order
   * (failover); undefined when there is none left.
   */
  pick(plan: BalancePlan, previous?: Lease): Lease | undefined {
    if (previous !== undefined) {
      if (!(previous instanceof HostLease))
        throw new TypeError('pick: previous is not a lease of this balancer');
      const next = this.lend(plan, previous.choice, previous.index + 1);
      if (next !== undefined) this.deps.metrics.retries.inc();
      return next;
    }
    const choice = this.choose(plan);
    this.deps.hot.picked(choice.reason);
    const lease = this.lend(plan, choice, 0);
    if (
      lease !== undefined &&
      plan.key !== undefined &&
      !lease.warm &&
      isRuntimeWork(plan.method, plan.route)
    )
      this.deps.metrics.coldRoutes.inc({ host: lease.host.id });
    return lease;
  }

  /**
   * Counts `host` busy for a request the balancer did not place (a broadcast reaches every host);
   * the returned function hands it back.
   */
  hold(host: HostEntry): () => void {
    const load = this.deps.fleet.load;
    count(host, 'other', 1, load);
    let held = true;
    return () => {
      if (held) count(host, 'other', -1, load);
      held = false;
    };
  }

  /** Requests in flight over every host (log streams excepted). */
  inflight(): number {
    return this.deps.fleet.totalInflight();
  }

  private choose(plan: BalancePlan): PickResult {
    const d = this.deps;
    const key = plan.key;
    if (key === undefined && plan.addressing === 'anycast-efficient' && d.legacyAlgorithm !== undefined) {
      const order = legacyOrder(d.fleet.hosts, d.legacyAlgorithm, this.legacyTurn++, d.random);
      return { order, reason: order.length === 0 ? 'none' : 'p2c', warm: false };
    }
    const loads = this.runtimeLoads;
    let replication: PickInput['replication'];
    if (
      key !== undefined &&
      loads !== undefined &&
      this.replicas !== undefined &&
      isRuntimeWork(plan.method, plan.route)
    ) {
      const now = d.now === undefined ? performance.now() : d.now();
      const table = this.replicas;
      const inflight = loads.total(key) + 1;
      replication = {
        perHost: d.replication!.perHost,
        replicas: (total, hosts) =>
          table.observe(key, inflight, now, { total, hosts, loadFactor: d.loadFactor, floor: d.loadFloor }),
        runtimeLoadOf: (hostId) => loads.on(key, hostId),
        movableLoadOf: (hostId) => this.movable.get(hostId) ?? 0,
        loadedHosts: () => loads.hosts(key),
      };
    }
    this.picking = key ?? '';
    const slots = d.warmSlots ?? 0;
    const warmSlots =
      key !== undefined && loads !== undefined && slots > 0 && isRuntimeWork(plan.method, plan.route)
        ? { slots, runtimeLoadOf: (hostId: string) => loads.on(key, hostId) }
        : undefined;
    return pick({
      replication,
      warmSlots,
      key,
      addressing: plan.addressing,
      hosts: d.fleet.hosts,
      ring: d.fleet.ring,
      isWarm: key === undefined ? never : this.warmOf,
      warmHosts: key === undefined ? undefined : this.warmHostsOf,
      loadFactor: d.loadFactor,
      loadFloor: d.loadFloor,
      boundedLoads: d.boundedLoads,
      warmPreference: d.warmPreference,
      random: d.random,
      hostOf: this.hostOf,
      loadOf: this.loadOf,
      counts: d.fleet.load,
    });
  }

  private lend(plan: BalancePlan, choice: PickResult, from: number): HostLease | undefined {
    for (let i = from; i < choice.order.length || extend(choice); i++) {
      // A host may have left the fleet since the order was made.
      const host = this.deps.fleet.byId.get(choice.order[i]!);
      if (host === undefined) continue;
      const warm =
        i === 0 ? choice.warm : plan.key !== undefined && this.deps.placement.isWarm(plan.key, host.id);
      return new HostLease(this, plan, choice, i, host, warm);
    }
    return undefined;
  }

  /** Called by a lease, once. */
  settle(lease: HostLease, outcome: AttemptOutcome): void {
    const { host, plan } = lease;
    const d = this.deps;
    count(host, plan.route, -1, d.fleet.load);
    if (lease.countedRuntime) this.runtimeLoads?.add(plan.key!, host.id, -1);
    if (lease.movable) addTo(this.movable, host.id, -1);
    switch (outcome.kind) {
      case 'done':
        d.hot.upstreamSeconds(host.id, outcome.headersSeconds);
        d.health.passiveSuccess(host);
        if (plan.key !== undefined)
          learn(d.placement, plan.method, plan.route, plan.key, host.id, outcome.status, outcome.peek);
        return;
      case 'client-aborted':
        d.metrics.upstreamErrors.inc({ host: host.id, kind: 'aborted' });
        return;
      case 'broken':
        d.metrics.upstreamErrors.inc({ host: host.id, kind: errorKind(outcome.error) });
        return;
      case 'connect':
        d.metrics.upstreamErrors.inc({ host: host.id, kind: 'connect' });
        d.health.passiveFailure(host, `connect failed: ${errorCode(outcome.error)}`);
        return;
      case 'failed':
        d.metrics.upstreamErrors.inc({
          host: host.id,
          kind: outcome.timeout ? 'timeout' : errorKind(outcome.error),
        });
        if (outcome.timeout) d.health.passiveFailure(host, 'request timed out');
        return;
    }
  }
}

/**
 * The one place in-flight counts change. A log stream stays open for minutes but costs the host
 * almost nothing: it is counted apart so it does not push the runtime's executions off their warm
 * host through the bounded-load cap.
 */
function count(host: HostEntry, route: RoutePattern, delta: 1 | -1, load: EligibleLoad): void {
  if (route === '/v1/runtimes/:runtimeId/logs') host.streams += delta;
  else {
    host.inflight += delta;
    load.add(host, delta);
  }
}

/** Appends the hosts past the ring's prefix to a prefix-only order (once); whether any came. */
function extend(choice: PickResult): boolean {
  const rest = choice.rest;
  if (rest === undefined) return false;
  choice.rest = undefined;
  const before = choice.order.length;
  choice.order.push(...rest());
  return choice.order.length > before;
}

function addTo(counts: Map<string, number>, id: string, delta: 1 | -1): void {
  const n = (counts.get(id) ?? 0) + delta;
  if (n > 0) counts.set(id, n);
  else counts.delete(id);
}

class HostLease implements Lease {
  private released = false;
  /** Whether this lease counts in the balancer's per-runtime loads. */
  readonly countedRuntime: boolean;
  /** Whether this lease counts as movable load on its host (a replicated runtime's request). */
  readonly movable: boolean;
  constructor(
    private readonly balancer: Balancer,
    readonly plan: BalancePlan,
    readonly choice: PickResult,
    readonly index: number,
    readonly host: HostEntry,
    readonly warm: boolean,
  ) {
    count(host, plan.route, 1, balancer.fleetLoad);
    const loads = balancer.runtimeLoads;
    this.countedRuntime =
      loads !== undefined && plan.key !== undefined && isRuntimeWork(plan.method, plan.route);
    if (this.countedRuntime) loads!.add(plan.key!, host.id, 1);
    this.movable = this.countedRuntime && choice.replicated === true;
    if (this.movable) addTo(balancer.movable, host.id, 1);
  }
  get reason(): PickReason {
    return this.choice.reason;
  }
  release(outcome: AttemptOutcome): void {
    if (this.released) return;
    this.released = true;
    this.balancer.settle(this, outcome);
  }
}

/** The error's code, else its message. */
export function errorCode(error: Error | undefined): string {
  return (error as { code?: string } | undefined)?.code ?? error?.message ?? 'unknown error';
}
