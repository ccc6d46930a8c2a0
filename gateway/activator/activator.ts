import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.ts';
import type { GatewayMetrics } from '../../metrics/gateway.ts';
import type { CreateLocks } from '../../registry/types.ts';
import type { BalancePlan, Balancer } from '../balancer/balancer.ts';
import { GatewayError } from '../errors.ts';
import type { Fleet } from '../hosts/fleet.ts';
import type { PlacementMap } from '../hosts/placement.ts';
import type { RequestPlan } from '../proxy/resolve.ts';
import { type CreateFields, createFieldsOf } from './create-fields.ts';
import { type CreateResult, createRuntime } from './create-runtime.ts';
import { type HoldReason, HoldSlots } from './hold-slots.ts';

/** The `gateway.activator` settings (config/schema/gateway.ts holds their meaning and defaults). */
export interface ActivatorOptions {
  enabled: boolean;
  holdWhenNoHosts: boolean;
  holdTimeout: number;
  queue: number;
  maxHeld: number;
  retryAfter: number;
}

/** What the activator works with. */
export interface ActivatorDeps {
  options: ActivatorOptions;
  fleet: Pick<Fleet, 'hosts' | 'byId'>;
  placement: Pick<PlacementMap, 'hosts' | 'markWarm'>;
  balancer: Pick<Balancer, 'pick'>;
  /** `Bearer <executor secret>`. */
  upstreamAuthorization: string;
  metrics: Pick<
    GatewayMetrics,
    'heldRequests' | 'activatorHolds' | 'activatorHoldSeconds' | 'activatorCreates'
  >;
  logger: Logger;
  /** A monotonic clock in ms (performance.now in production). */
  now: () => number;
  /**
   * The pool's create locks (the registry's): one gateway of the pool creates a runtime, the others
   * wait for its lock to go. Absent: single flight within this gateway only.
   */
  locks?: CreateLocks;
  /** Told the runtime fields of each cold execution (keep-warm pre-warms with them). */
  onColdStart?: (runtimeId: string, fields: CreateFields) => void;
  /** Told when a request starts waiting for a host (a scaler in the same process can tick at once). */
  onDemand?: () => void;
}

/** The response header naming each wait a request went through: `create;dur=812, no-hosts;dur=4100`. */
export const COLD_START_HEADER = 'x-fleetgate-cold-start';

const EXECUTIONS = '/v1/runtimes/:runtimeId/executions';

/**
 * The runtime activator: holds a request while its pool has no active host (scale from zero), and
 * creates a cold runtime before its execution is sent, once per runtime id however many first calls
 * arrive together (single flight), so the execution gets its whole timeout on a runtime that is up.
 * Every hold is bounded in time (`holdTimeout`) and in number (`queue` per runtime, `maxHeld` in all);
 * past a bound the request is refused with `Retry-After`, never queued without end.
 */
export class Activator {
  private readonly flights = new Map<string, Flight>();
  private readonly handoffs = new Map<string, Promise<boolean>>();
  private readonly slots: HoldSlots;
  private hostWaiters = new Set<() => void>();

  constructor(private readonly deps: ActivatorDeps) {
    this.slots = new HoldSlots(deps.options.queue, deps.options.maxHeld);
    // Every series from the start: a scaler reading held demand sees 0, not "no data".
    const m = deps.metrics;
    for (const reason of ['no-hosts', 'cold-start'] as const) {
      m.heldRequests.set({ reason }, 0);
      m.activatorHoldSeconds.zero({ reason });
      for (const outcome of ['released', 'timeout', 'rejected', 'no-host', 'client-gone'])
        m.activatorHolds.inc({ reason, outcome }, 0);
    }
    for (const outcome of ['created', 'exists', 'failed']) m.activatorCreates.inc({ outcome }, 0);
  }

  /** Whether `plan` goes through the activator (its body is then read before it is sent). */
  needed(plan: RequestPlan): boolean {
    const o = this.deps.options;
    if (plan.addressing === 'broadcast') return false;
    if (o.holdWhenNoHosts && !this.hasActiveHost()) return true;
    return o.enabled && this.coldExecution(plan);
  }

  /**
   * Holds the request until it can be sent: until a host is active, and until its runtime was
   * created. Sets the cold-start header on `res` when it waited; throws the 429/503 it is refused
   * with (with `Retry-After` set).
   */
  async prepare(plan: RequestPlan, body: Buffer | null, res: ServerResponse): Promise<void> {
    const o = this.deps.options;
    const deadline = this.deps.now() + o.holdTimeout;
    const waits: string[] = [];
    if (o.holdWhenNoHosts && !this.hasActiveHost()) {
      const began = this.deps.now();
      await this.holdForHost(plan.key, deadline, res);
      waits.push(`no-hosts;dur=${Math.round(this.deps.now() - began)}`);
    }
    if (o.enabled && this.coldExecution(plan)) {
      const fields = createFieldsOf(body, plan.headers.contentType);
      if (fields !== undefined) {
        this.deps.onColdStart?.(plan.key!, fields);
        const began = this.deps.now();
        const how = await this.coldStart(plan.key!, fields, deadline, res);
        if (how !== undefined) waits.push(`${how};dur=${Math.round(this.deps.now() - began)}`);
      }
    }
    if (waits.length > 0) res.setHeader(COLD_START_HEADER, waits.join(', '));
  }

  /**
   * Creates `runtimeId` ahead of its calls (keep-warm), through the same single flight and lock as
   * the first calls; resolves whether the runtime is up (created, or 409) somewhere.
   */
  async prewarm(runtimeId: string, fields: CreateFields): Promise<boolean> {
    let flight = this.flights.get(runtimeId);
    if (flight === undefined) {
      const created = this.create(runtimeId, fields, this.deps.now() + this.deps.options.holdTimeout);
      const mine: Flight = { done: created };
      flight = mine;
      this.flights.set(runtimeId, mine);
      void created.finally(() => {
        if (this.flights.get(runtimeId) === mine) this.flights.delete(runtimeId);
      });
    }
    const result = await flight.done;
    return result === 'remote' || (result !== undefined && result.kind !== 'failed');
  }

  /**
   * Creates `runtimeId` on one given host (warm handoff: its new ring owner), once per runtime and
   * host at a time; resolves whether it is up there (created, or 409). The host is then known warm,
   * so the balancer routes the runtime's calls to it (warm hosts first, in ring order).
   */
  async prewarmOn(hostId: string, runtimeId: string, fields: CreateFields): Promise<boolean> {
    const host = this.deps.fleet.byId.get(hostId);
    if (host === undefined || host.state !== 'active') return false;
    const key = `${runtimeId}\u0000${hostId}`;
    let flight = this.handoffs.get(key);
    if (flight === undefined) {
      const create = () =>
        createRuntime(
          host.pool,
          runtimeId,
          fields,
          this.deps.upstreamAuthorization,
          this.deps.options.holdTimeout,
        ).then((result) => {
          this.deps.metrics.activatorCreates.inc({ outcome: result.kind });
          if (result.kind === 'failed') return false;
          this.deps.placement.markWarm(runtimeId, hostId);
          return true;
        });
      flight = this.underHostLock(runtimeId, hostId, create);
      this.handoffs.set(key, flight);
      void flight.finally(() => this.handoffs.delete(key));
    }
    return flight;
  }

  /**
   * Runs a create on one host under the pool's lock of that runtime on that host (`<id>@<host>`), so
   * one gateway of the pool sends it. When another holds it, waits for it to go and answers true (that
   * gateway created it there). A lock store that fails is passed by: a second create is a 409.
   */
  private async underHostLock(
    runtimeId: string,
    hostId: string,
    create: () => Promise<boolean>,
  ): Promise<boolean> {
    const locks = this.deps.locks;
    if (locks === undefined) return create();
    const name = `${runtimeId}@${hostId}`;
    const token = randomBytes(12).toString('hex');
    const deadline = this.deps.now() + this.deps.options.holdTimeout;
    let taken: boolean;
    try {
      taken = await locks.take(name, token, this.deps.options.holdTimeout);
    } catch (error) {
      this.deps.logger.debug({ err: (error as Error).message }, 'activator: create lock unavailable');
      return create();
    }
    if (!taken) {
      await this.lockGone(locks, name, deadline);
      return true;
    }
    try {
      return await create();
    } finally {
      await locks.release(name, token).catch(() => undefined);
    }
  }

  /** The fleet view changed: requests waiting for a host go on if one is active now. */
  fleetChanged(): void {
    if (this.hostWaiters.size === 0 || !this.hasActiveHost()) return;
    const waiters = this.hostWaiters;
    this.hostWaiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Requests held right now. */
  held(): number {
    return this.slots.total;
  }

  private hasActiveHost(): boolean {
    for (const h of this.deps.fleet.hosts) if (h.state === 'active') return true;
    return false;
  }

  /** An execution whose runtime is not known warm on any active host. */
  private coldExecution(plan: RequestPlan): boolean {
    if (plan.method !== 'POST' || plan.route !== EXECUTIONS || plan.key === undefined || !plan.hasBody)
      return false;
    for (const id of this.deps.placement.hosts(plan.key)) {
      if (this.deps.fleet.byId.get(id)?.state === 'active') return false;
    }
    return true;
  }

  private refuse(
    reason: HoldReason,
    code: 'GW_HOLD_QUEUE_FULL' | 'GW_HOLD_LIMIT',
    res: ServerResponse,
  ): never {
    this.deps.metrics.activatorHolds.inc({ reason, outcome: 'rejected' });
    res.setHeader('retry-after', String(Math.max(1, Math.ceil(this.deps.options.retryAfter / 1000))));
    throw code === 'GW_HOLD_QUEUE_FULL'
      ? new GatewayError(
          code,
          `Too many requests are waiting for this runtime to start (gateway.activator.queue: ${this.deps.options.queue}); retry shortly.`,
        )
      : new GatewayError(
          code,
          `Too many requests are held by the gateway (gateway.activator.maxHeld: ${this.deps.options.maxHeld}); retry shortly.`,
        );
  }

  /** Waits for an active host until `deadline`; 503 `no_hosts` with Retry-After past it. */
  private async holdForHost(key: string | undefined, deadline: number, res: ServerResponse): Promise<void> {
    const reason: HoldReason = 'no-hosts';
    const taken = this.slots.take(key, reason);
    if (taken !== 'ok') this.refuse(reason, taken === 'queue' ? 'GW_HOLD_QUEUE_FULL' : 'GW_HOLD_LIMIT', res);
    const m = this.deps.metrics;
    const began = this.deps.now();
    m.heldRequests.inc({ reason });
    this.deps.onDemand?.();
    let wake: ((how: 'host' | 'timeout' | 'gone') => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const closed = () => wake?.('gone');
    const arrivedHost = () => wake?.('host');
    res.once('close', closed);
    try {
      const how = await new Promise<'host' | 'timeout' | 'gone'>((resolve) => {
        wake = resolve;
        this.hostWaiters.add(arrivedHost);
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - this.deps.now()));
        // A host may have become active between the check and now.
        if (this.hasActiveHost()) resolve('host');
      });
      const ok = how === 'host' && this.hasActiveHost();
      m.activatorHolds.inc({ reason, outcome: ok ? 'released' : how === 'gone' ? 'client-gone' : 'timeout' });
      m.activatorHoldSeconds.observe({ reason }, (this.deps.now() - began) / 1000);
      if (!ok) {
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(this.deps.options.retryAfter / 1000))));
        throw new GatewayError(
          'GW_NO_HOSTS',
          `No executor host became active within ${Math.round(this.deps.options.holdTimeout / 1000)} s (gateway.activator.holdTimeout).`,
        );
      }
    } finally {
      clearTimeout(timer);
      res.off('close', closed);
      this.hostWaiters.delete(arrivedHost);
      m.heldRequests.dec({ reason });
      this.slots.give(key, reason);
    }
  }

  /**
   * Creates `runtimeId` on the host the balancer picks for it, once for all concurrent callers.
   * Answers how this caller waited (`create`: it sent the create; `joined`: another caller's), or
   * undefined when there was no host to create on.
   */
  private async coldStart(
    runtimeId: string,
    fields: CreateFields,
    deadline: number,
    res: ServerResponse,
  ): Promise<'create' | 'joined' | 'remote' | undefined> {
    const reason: HoldReason = 'cold-start';
    const taken = this.slots.take(runtimeId, reason);
    if (taken !== 'ok') this.refuse(reason, taken === 'queue' ? 'GW_HOLD_QUEUE_FULL' : 'GW_HOLD_LIMIT', res);
    const m = this.deps.metrics;
    const began = this.deps.now();
    m.heldRequests.inc({ reason });
    let flight = this.flights.get(runtimeId);
    const leader = flight === undefined;
    try {
      if (flight === undefined) {
        const created = this.create(runtimeId, fields, deadline);
        flight = { done: created };
        this.flights.set(runtimeId, flight);
        void created.finally(() => {
          if (this.flights.get(runtimeId) === flight) this.flights.delete(runtimeId);
        });
      }
      const result = await flight.done;
      m.activatorHolds.inc({ reason, outcome: result === undefined ? 'no-host' : 'released' });
      if (result === undefined) return undefined;
      if (result === 'remote') return 'remote';
      return leader ? 'create' : 'joined';
    } finally {
      m.activatorHoldSeconds.observe({ reason }, (this.deps.now() - began) / 1000);
      m.heldRequests.dec({ reason });
      this.slots.give(runtimeId, reason);
    }
  }

  /**
   * Creates the runtime under the pool's create lock: when another gateway holds it, waits for it to
   * go (that gateway is creating the runtime on the same ring owner) and answers `remote`. A lock
   * store that fails is passed by: a second create is answered 409, which is success. Never rejects.
   */
  private async create(
    runtimeId: string,
    fields: CreateFields,
    deadline: number,
  ): Promise<CreateResult | 'remote' | undefined> {
    const locks = this.deps.locks;
    if (locks === undefined) return this.createOn(runtimeId, fields, deadline);
    const token = randomBytes(12).toString('hex');
    let taken: boolean;
    try {
      taken = await locks.take(runtimeId, token, Math.max(1, deadline - this.deps.now()));
    } catch (error) {
      this.deps.logger.debug({ err: (error as Error).message }, 'activator: create lock unavailable');
      return this.createOn(runtimeId, fields, deadline);
    }
    if (!taken) {
      await this.lockGone(locks, runtimeId, deadline);
      return 'remote';
    }
    try {
      return await this.createOn(runtimeId, fields, deadline);
    } finally {
      await locks.release(runtimeId, token).catch(() => undefined);
    }
  }

  /** Polls the lock of another gateway until it goes (released or expired) or `deadline`. */
  private async lockGone(locks: CreateLocks, runtimeId: string, deadline: number): Promise<void> {
    for (let pause = 20; this.deps.now() < deadline; pause = Math.min(pause * 2, 250)) {
      try {
        if (!(await locks.held(runtimeId))) return;
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, deadline - this.deps.now()))));
    }
  }

  /** Sends the create to the balancer's pick; never rejects. */
  private async createOn(
    runtimeId: string,
    fields: CreateFields,
    deadline: number,
  ): Promise<CreateResult | undefined> {
    const plan: BalancePlan = {
      method: 'POST',
      route: '/v1/runtimes',
      key: runtimeId,
      addressing: 'anycast-efficient',
    };
    const lease = this.deps.balancer.pick(plan);
    if (lease === undefined) return undefined;
    const result = await createRuntime(
      lease.host.pool,
      runtimeId,
      fields,
      this.deps.upstreamAuthorization,
      deadline - this.deps.now(),
    );
    // The balancer learns from it as from any create: 201 and 409 mark the runtime warm there.
    lease.release(result.outcome);
    this.deps.metrics.activatorCreates.inc({ outcome: result.kind });
    if (result.kind === 'failed') {
      this.deps.logger.debug(
        { host: lease.host.id, status: result.status, outcome: result.outcome.kind },
        'activator: create failed; the execution goes on and the executor answers it',
      );
    }
    return result;
  }
}

interface Flight {
  done: Promise<CreateResult | 'remote' | undefined>;
}
