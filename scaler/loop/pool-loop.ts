import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ScalerMetrics } from '../../metrics/scaler.ts';
import type { FleetSnapshot, HostRegistry } from '../../registry/types.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { initialState } from '../evaluate/state.ts';
import type { LeaderElector } from '../leader/elector.ts';
import type { Policy } from '../policy/schema.ts';
import type { HostProvider } from '../providers/types.ts';
import type { MetricSource } from '../sources/types.ts';
import type { ScalerState } from '../types.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import type { DecisionLog } from './decision-log.ts';
import { MetricHistory } from './history.ts';
import { HostLifecycle } from './lifecycle.ts';
import { observeHosts, readByHost, readPolicyMetrics } from './observe.ts';
import type { ActionOutcome, TickRecord } from './record.ts';

/** Tunables of the loop beyond the policy; defaults suit production. */
export interface PoolLoopOptions {
  /** Per-host in-flight requests (drain completion, leastInflight victims). */
  inflightQuery: string;
  /** Per-host warm runtimes (fewestWarmRuntimes victims); null when unavailable (all count 0). */
  warmRuntimesQuery: string | null;
  healthTimeoutMs: number;
  healthPollMs: number;
  /** See LifecycleOptions.drainSettleMs: covers the gateways' fleet-view reload period (5 s). */
  drainSettleMs: number;
  providerTimeoutMs: number;
  retry: RetryPolicy;
}

/** Defaults of {@link PoolLoopOptions}. */
export const DEFAULT_LOOP_OPTIONS: PoolLoopOptions = {
  inflightQuery: 'sum by (host) (fleetgate_gateway_inflight_requests)',
  warmRuntimesQuery: 'sum by (host) (fleetgate_gateway_warm_runtimes)',
  healthTimeoutMs: 2000,
  healthPollMs: 500,
  drainSettleMs: 5000,
  providerTimeoutMs: 120_000,
  retry: DEFAULT_RETRY,
};

/** Everything one pool's loop works with. */
export interface PoolLoopDeps {
  policy: Policy;
  registry: HostRegistry;
  source: MetricSource;
  provider: HostProvider;
  elector: LeaderElector;
  clock: Clock;
  logger: Logger;
  metrics: ScalerMetrics;
  /** This scaler's own records (served by its `/explain`), leader or not. */
  localLog: DecisionLog;
  /** The shared capped list (Redis), written only by the leader. */
  sharedLog?: DecisionLog;
  /** When this scaler process started (startup hold). */
  startedAt: number;
  /**
   * Hosts to have before the first evaluation when the pool has fewer (the process provider's
   * `executors`); started once, by the first tick that acts.
   */
  initialHosts?: number;
  options?: Partial<PoolLoopOptions>;
}

/**
 * One pool's tick loop: read the fleet, maintain the host lifecycle, read the metrics, evaluate,
 * act through the provider (only as leader in enforce mode), record. A tick never throws: a
 * registry outage skips acting and is recorded; the next tick tries again.
 */
export class PoolLoop {
  readonly pool: string;
  private state: ScalerState = initialState();
  private readonly lifecycle: HostLifecycle;
  private readonly options: PoolLoopOptions;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickRecord> | undefined;
  private stopped = false;
  private seeded = false;
  private readonly history: MetricHistory;

  constructor(private readonly deps: PoolLoopDeps) {
    this.pool = deps.policy.pool;
    this.options = { ...DEFAULT_LOOP_OPTIONS, ...deps.options };
    this.log = deps.logger.child({ component: 'scaler', pool: this.pool });
    this.history = new MetricHistory(deps.policy, deps.source, this.log);
    this.lifecycle = new HostLifecycle({
      pool: this.pool,
      registry: deps.registry,
      provider: deps.provider,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      options: {
        ...this.options,
        drainTimeoutMs: deps.policy.drain.timeout,
        drainHandoffWaitMs: deps.policy.drain.handoffWait,
        bootTimeoutMs: deps.policy.capacity.bootTimeout,
      },
    });
  }

  /** Runs a tick now and then one every `policy.interval` until `stop()`. */
  start(): void {
    if (this.timer || this.stopped) return;
    const loop = async () => {
      const began = Date.now();
      await this.tick();
      if (this.stopped) return;
      const wait = Math.max(0, this.deps.policy.interval - (Date.now() - began));
      this.timer = setTimeout(() => void loop(), wait);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  /** Stops ticking and waits for the tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.lifecycle.close();
    await this.running;
  }

  /** One tick (ticks never overlap: a call during a tick returns that tick's record). */
  tick(): Promise<TickRecord> {
    this.running ??= this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTick(): Promise<TickRecord> {
    const { clock, metrics } = this.deps;
    const began = clock.now();
    const wall = performance.now();
    const leader = this.deps.elector.isLeader();
    metrics.leader.set({ pool: this.pool }, leader ? 1 : 0);
    let record: TickRecord;
    try {
      record = await this.evaluateAndAct(leader, began);
    } catch (error) {
      const unavailable = isRegistryError(error);
      if (unavailable) metrics.registryErrors.inc({ pool: this.pool });
      this.log.warn(
        { err: error },
        unavailable ? 'registry unavailable: no action this tick' : 'tick failed',
      );
      record = {
        time: began,
        pool: this.pool,
        leader,
        reason: unavailable ? 'RegistryUnavailable' : 'TickFailed',
        desired: null,
        outcomes: [],
        error: error instanceof Error ? error.message : String(error),
        durationMs: 0,
      };
    }
    record.durationMs = Math.round(performance.now() - wall);
    metrics.tickDuration.observe({ pool: this.pool }, record.durationMs / 1000);
    metrics.decisions.inc({ pool: this.pool, reason: record.reason });
    await this.deps.localLog.append(record);
    if (leader && this.deps.sharedLog) {
      await this.deps.sharedLog.append(record).catch((error: unknown) => {
        this.log.debug({ err: error }, 'could not write the decision record to the shared log');
      });
    }
    return record;
  }

  private async evaluateAndAct(leader: boolean, now: number): Promise<TickRecord> {
    const { registry, source, policy, metrics, clock } = this.deps;
    const acting = leader && policy.mode !== 'dryRun';
    const outcomes: ActionOutcome[] = [];

    let snapshot: FleetSnapshot = await registry.list(this.pool);
    const [readings, inflight, warm] = await Promise.all([
      readPolicyMetrics(policy, source),
      readByHost(source, this.options.inflightQuery),
      readByHost(source, this.options.warmRuntimesQuery),
    ]);
    const readAt = clock.now();

    if (acting && !this.seeded) {
      this.seeded = true;
      const missing = (this.deps.initialHosts ?? 0) - snapshot.hosts.length;
      if (missing > 0) {
        outcomes.push(...(await this.lifecycle.start(missing, snapshot.hosts)));
        snapshot = await registry.list(this.pool);
      }
    }

    // Lifecycle first (activate, vanished hosts, finished drains), then read the fleet again.
    if (acting) {
      const done = await this.lifecycle.maintain(snapshot.hosts, inflight, readAt);
      if (done.length > 0) {
        outcomes.push(...done);
        snapshot = await registry.list(this.pool);
      }
    }

    for (const [name, reading] of Object.entries(readings)) {
      metrics.metricValid.set({ pool: this.pool, metric: name }, reading.ok ? 1 : 0);
      if (reading.ok) metrics.metricValue.set({ pool: this.pool, metric: name }, reading.value);
      else metrics.sourceErrors.inc({ pool: this.pool, metric: name, reason: reading.reason });
    }

    // The forecast's history: loaded once from the source, then each tick's readings (leader or not).
    if (policy.forecast.enabled) {
      await this.history.seed(now);
      this.history.record(readings, readAt);
    }

    // A follower evaluates exactly like the leader but in dry-run: its windows are warm when it takes over.
    const effective: Policy = leader || policy.mode !== 'enforce' ? policy : { ...policy, mode: 'dryRun' };
    const decision = evaluate(
      effective,
      this.state,
      {
        hosts: observeHosts(snapshot.hosts, inflight, warm),
        metrics: readings,
        startedAt: this.deps.startedAt,
        ...(policy.forecast.enabled ? { history: this.history.get() } : {}),
      },
      now,
    );
    this.state = decision.state;

    for (const state of ['booting', 'active', 'draining'] as const) {
      metrics.hosts.set({ pool: this.pool, state }, snapshot.hosts.filter((h) => h.state === state).length);
    }
    metrics.desiredHosts.set({ pool: this.pool }, decision.desired);

    for (const action of decision.actions) {
      if (!action.execute || !acting) {
        outcomes.push({
          action: action.type,
          ...('hostId' in action ? { hostId: action.hostId } : {}),
          ok: true,
          skipped: true,
          detail: leader ? `mode ${policy.mode}` : 'follower (dry-run)',
        });
        continue;
      }
      if (action.type === 'start')
        outcomes.push(...(await this.lifecycle.start(action.count, snapshot.hosts)));
      else if (action.type === 'drain') outcomes.push(await this.lifecycle.drain(action.hostId));
      else {
        const host = snapshot.hosts.find((h) => h.id === action.hostId);
        if (host) outcomes.push(...(await this.lifecycle.replace(host, snapshot.hosts)));
      }
    }
    if (decision.actions.length > 0 || outcomes.some((o) => !o.skipped)) {
      this.log.info(
        { reason: decision.record.reason, desired: decision.desired, leader, outcomes },
        'scale decision',
      );
    }
    return {
      time: now,
      pool: this.pool,
      leader,
      reason: decision.record.reason,
      desired: decision.desired,
      decision: decision.record,
      outcomes,
      durationMs: 0,
    };
  }
}

function isRegistryError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('REGISTRY_');
}
