import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { createScalerMetrics, type ScalerMetrics } from '../../metrics/scaler.ts';
import type { HostRegistry } from '../../registry/types.ts';
import type { Coordination } from '../coordination/types.ts';
import type { PoolView } from '../http/app.ts';
import { createLeaderElector, type LeaderElector } from '../leader/elector.ts';
import type { Policy } from '../policy/schema.ts';
import { createProvider, type ProviderContext } from '../providers/create.ts';
import type { HostProvider } from '../providers/types.ts';
import { createSource, type SourceContext } from '../sources/create.ts';
import type { MetricSource } from '../sources/types.ts';
import { DEFAULT_DECISION_CAP, memoryDecisionLog } from './decision-log.ts';
import { PoolLoop, type PoolLoopOptions } from './pool-loop.ts';

/** Everything a scaler process runs on. */
export interface ScalerDeps {
  policies: readonly Policy[];
  registry: HostRegistry;
  /**
   * Where the scalers of a pool agree on a leader and keep the shared decision log: Redis beside a
   * Redis registry, memory for a scaler that is the only one (the memory registry, `fleetgate dev`).
   * Owned by the caller, which closes it after `stop()`.
   */
  coordination: Coordination;
  /** Who this scaler is, the start of its lock token (default `hostname:pid`). */
  identity?: string;
  /** Leader lease; a follower takes over at most this long after the leader dies. */
  leaseTtlMs: number;
  clock: Clock;
  logger: Logger;
  metricsRegistry: Registry;
  provider: Omit<ProviderContext, 'pool' | 'logger'>;
  source?: Omit<SourceContext, 'clock'>;
  loopOptions?: Partial<PoolLoopOptions>;
  decisionCap?: number;
  /** How long `start()` waits for the coordination store before campaigning anyway (default: the store's own connection bound). */
  connectWaitMs?: number;
}

/** A running scaler: one loop per pool. */
export interface Scaler {
  pools: Map<string, PoolView>;
  loops: PoolLoop[];
  /** The scaler's metrics (desired hosts, leader, …), on `metricsRegistry`. */
  metrics: ScalerMetrics;
  /**
   * Waits for the coordination store (at most `connectWaitMs`) and campaigns once for every pool;
   * answers which pools this scaler now leads. `start()` does it too; call it first to refuse to run
   * without leadership (`fleetgate dev` on a shared Redis).
   */
  campaign(): Promise<Map<string, boolean>>;
  /** Campaigns once for every pool (so the first tick knows whether it leads), then starts ticking. */
  start(): Promise<void>;
  /**
   * Stops every loop and releases the leader locks; providers and sources stay open, so a caller
   * that owns the hosts (`fleetgate dev`) can drain them before `stop()` closes the provider.
   */
  halt(): Promise<void>;
  /** Halts (see `halt`), then closes providers and sources; idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds one loop per policy. Every source and provider is built before anything starts, so a
 * policy whose source or provider cannot be built (missing credential variable, no gateway URL)
 * never starts a loop.
 */
export function createScaler(deps: ScalerDeps): Scaler {
  const metrics = createScalerMetrics(deps.metricsRegistry);
  const startedAt = deps.clock.now();
  const token = `${deps.identity ?? `${hostname()}:${process.pid}`}:${randomBytes(4).toString('hex')}`;
  const cap = deps.decisionCap ?? DEFAULT_DECISION_CAP;
  const built: { policy: Policy; source: MetricSource; provider: HostProvider; elector: LeaderElector }[] =
    [];
  const names = new Set<string>();
  for (const policy of deps.policies) {
    if (names.has(policy.pool)) throw new Error(`pool "${policy.pool}" has two policies`);
    names.add(policy.pool);
    const source = createSource(policy.source, { clock: deps.clock, ...deps.source });
    const provider = createProvider(policy.provider, {
      ...deps.provider,
      pool: policy.pool,
      logger: deps.logger,
    });
    const elector = createLeaderElector({
      lock: deps.coordination.leaderLock(policy.pool, token, deps.leaseTtlMs),
      // A third of the lease: two renewals may fail before the lease runs out.
      renewEveryMs: Math.max(100, Math.floor(deps.leaseTtlMs / 3)),
      logger: deps.logger,
      onChange: (leader) => metrics.leader.set({ pool: policy.pool }, leader ? 1 : 0),
    });
    built.push({ policy, source, provider, elector });
  }

  const pools = new Map<string, PoolView>();
  const loops = built.map(({ policy, source, provider, elector }) => {
    const localLog = memoryDecisionLog(cap);
    const loop = new PoolLoop({
      policy,
      registry: deps.registry,
      source,
      provider,
      elector,
      clock: deps.clock,
      logger: deps.logger,
      metrics,
      localLog,
      sharedLog: deps.coordination.decisions,
      startedAt,
      initialHosts: policy.provider.type === 'process' ? policy.provider.executors : 0,
      ...(deps.loopOptions ? { options: deps.loopOptions } : {}),
    });
    pools.set(policy.pool, { decisions: localLog, isLeader: () => elector.isLeader(), mode: policy.mode });
    return loop;
  });

  // Campaign as soon as the store is (re)connected, not a third of a lease later: with Redis's
  // offline queue off a lock attempt before the connection is up fails at once (issue 20: a scaler
  // started alone led ≈ 5 s late), and after a Redis failover nobody leads until then.
  let unsubscribe: (() => void) | undefined;
  let campaigned: Promise<Map<string, boolean>> | undefined;
  const campaign = () => {
    campaigned ??= (async () => {
      unsubscribe = deps.coordination.onConnected(() => {
        for (const { elector } of built) void elector.step();
      });
      await deps.coordination.ready(deps.connectWaitMs);
      const led = await Promise.all(built.map(({ elector }) => elector.step()));
      return new Map(built.map(({ policy }, i) => [policy.pool, led[i] ?? false]));
    })();
    return campaigned;
  };

  let halted: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  const halt = () => {
    halted ??= (async () => {
      unsubscribe?.();
      await Promise.all(loops.map((l) => l.stop()));
      await Promise.all(built.map((b) => b.elector.stop()));
    })();
    return halted;
  };

  return {
    pools,
    loops,
    metrics,
    campaign,
    async start() {
      await campaign();
      for (const { elector } of built) elector.start();
      for (const loop of loops) loop.start();
    },
    halt,
    stop() {
      stopped ??= (async () => {
        await halt();
        await Promise.all(built.map((b) => b.provider.close()));
        await Promise.all(built.map((b) => b.source.close()));
      })();
      return stopped;
    },
  };
}
