import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.ts';
import { settlesWithin } from '../../lib/deadline.ts';
import type { Logger } from '../../lib/logger.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { poolKeys } from '../../registry/keys.ts';
import { DEFAULT_COMMAND_TIMEOUT_MS, type RedisClient } from '../../registry/redis-connection.ts';
import type { HostRegistry } from '../../registry/types.ts';
import type { PoolView } from '../http/app.ts';
import { createLeaderElector, type LeaderElector, soleLeader } from '../leader/elector.ts';
import { createLeaderLock } from '../leader/lock.ts';
import type { Policy } from '../policy/schema.ts';
import { createProvider, type ProviderContext } from '../providers/create.ts';
import type { HostProvider } from '../providers/types.ts';
import { createSource, type SourceContext } from '../sources/create.ts';
import type { MetricSource } from '../sources/types.ts';
import { DEFAULT_DECISION_CAP, memoryDecisionLog, redisDecisionLog } from './decision-log.ts';
import { PoolLoop, type PoolLoopOptions } from './pool-loop.ts';

/** Everything a scaler process runs on. */
export interface ScalerDeps {
  policies: readonly Policy[];
  registry: HostRegistry;
  /**
   * A Redis command client for the leader locks and the shared decision log; absent with the
   * memory registry, where this scaler is the only one and always leads.
   */
  redis?: RedisClient;
  keyPrefix?: string;
  /** Leader lease; a follower takes over at most this long after the leader dies. */
  leaseTtlMs: number;
  clock: Clock;
  logger: Logger;
  metricsRegistry: Registry;
  provider: Omit<ProviderContext, 'pool' | 'logger'>;
  source?: Omit<SourceContext, 'clock'>;
  loopOptions?: Partial<PoolLoopOptions>;
  decisionCap?: number;
  /** How long `start()` waits for the Redis client's first connection before campaigning anyway (default: the command timeout). */
  connectWaitMs?: number;
}

/** A running scaler: one loop per pool. */
export interface Scaler {
  pools: Map<string, PoolView>;
  loops: PoolLoop[];
  /** Campaigns once for every pool (so the first tick knows whether it leads), then starts ticking. */
  start(): Promise<void>;
  /** Stops every loop, releases the leader locks, closes providers and sources. */
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
  const token = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
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
    const elector = deps.redis
      ? createLeaderElector({
          lock: createLeaderLock({
            client: deps.redis,
            key: poolKeys(policy.pool, deps.keyPrefix).leader,
            token,
            ttlMs: deps.leaseTtlMs,
          }),
          // A third of the lease: two renewals may fail before the lease runs out.
          renewEveryMs: Math.max(100, Math.floor(deps.leaseTtlMs / 3)),
          logger: deps.logger,
          onChange: (leader) => metrics.leader.set({ pool: policy.pool }, leader ? 1 : 0),
        })
      : soleLeader();
    built.push({ policy, source, provider, elector });
  }

  const sharedLog = deps.redis
    ? redisDecisionLog(deps.redis, (pool) => poolKeys(pool, deps.keyPrefix).decisions, cap)
    : undefined;
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
      ...(sharedLog ? { sharedLog } : {}),
      startedAt,
      initialHosts: policy.provider.type === 'process' ? policy.provider.executors : 0,
      ...(deps.loopOptions ? { options: deps.loopOptions } : {}),
    });
    pools.set(policy.pool, { decisions: localLog, isLeader: () => elector.isLeader(), mode: policy.mode });
    return loop;
  });

  return {
    pools,
    loops,
    async start() {
      const redis = deps.redis;
      if (redis) {
        // Campaign as soon as the client is (re)connected, not a third of a lease later: with the
        // offline queue off a lock attempt before the connection is up fails at once (issue 20: a
        // scaler started alone led ≈ 5 s late), and after a Redis failover nobody leads until then.
        redis.on('ready', () => {
          for (const { elector } of built) void elector.step();
        });
        if (redis.status !== 'ready') {
          await settlesWithin(
            new Promise((resolve) => redis.once('ready', resolve)),
            deps.connectWaitMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
          );
        }
      }
      await Promise.all(built.map(({ elector }) => elector.step()));
      for (const { elector } of built) elector.start();
      for (const loop of loops) loop.start();
    },
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await Promise.all(built.map((b) => b.elector.stop()));
      await Promise.all(built.map((b) => b.provider.close()));
      await Promise.all(built.map((b) => b.source.close()));
    },
  };
}
