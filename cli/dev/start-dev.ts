import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { systemClock } from '../../lib/clock.ts';
import { FleetgateError, UsageError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { redactUrl } from '../../lib/redact.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import { poolKeys } from '../../registry/keys.ts';
import { type RedisClient, redisConnector } from '../../registry/redis-connection.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { createLeaderElector, type LeaderElector, soleLeader } from '../../scaler/leader/elector.ts';
import { createLeaderLock } from '../../scaler/leader/lock.ts';
import { memoryDecisionLog } from '../../scaler/loop/decision-log.ts';
import { PoolLoop } from '../../scaler/loop/pool-loop.ts';
import { parsePolicy } from '../../scaler/policy/parse.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import { createProcessProvider } from '../../scaler/providers/process.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import { createSource } from '../../scaler/sources/create.ts';

/** The repository root: executors may read function sources anywhere below it. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Where each executor's log goes (`<host id>.log`): a private folder (mode 0700) made once per
 * `fleetgate dev` run; a fixed shared one let another user plant symlinks (issue 18).
 */
export function executorLogDir(): string {
  return mkdtempSync(join(tmpdir(), 'fleetgate-dev-executors-'));
}
/** The example policy `fleetgate dev` runs unless told otherwise. */
export const DEFAULT_POLICY = fileURLToPath(
  new URL('../../scaler/policy/examples/default.yaml', import.meta.url),
);

/** What `fleetgate dev` starts. */
export interface DevOptions {
  host: string;
  port: number;
  secret: string;
  executorSecret: string;
  /** A Redis URL for a shared registry; in-memory when absent. */
  redisUrl?: string;
  policyFile: string;
  /** Executors to start before the first tick; default: the policy's `provider.executors`. */
  executors?: number;
  executorMode: 'process' | 'simulated';
  logger: Logger;
  /** How long to wait for the first healthy host. */
  readyTimeoutMs: number;
  /** Where executor logs go (`executorLogDir()`); default: a new private folder. */
  executorLogDir?: string;
}

/** A running local fleet: registry, gateway, scaler loop and its executor processes. */
export interface DevFleet {
  gatewayUrl: string;
  policy: Policy;
  initialExecutors: number;
  registry: HostRegistry;
  gateway: Gateway;
  gatewayMetrics: Registry;
  /** The scaler's latest desired host count. */
  desired(): Promise<number | undefined>;
  /** Drains and stops everything: scaler, gateway, every executor process; idempotent. */
  stop(): Promise<void>;
}

/** Reads the policy and checks it is one `fleetgate dev` can run on its own. */
export async function loadDevPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--policy: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const policy = parsePolicy(text, file);
  if (policy.provider.type !== 'process') {
    throw new UsageError(
      `--policy: fleetgate dev runs local executors: provider.type must be process, got ${policy.provider.type}`,
    );
  }
  if (!('gateway' in policy.source) || policy.source.gateway === undefined) {
    throw new UsageError('--policy: fleetgate dev has no Prometheus: the source must be gateway');
  }
  return policy;
}

async function until(
  what: string,
  timeoutMs: number,
  probe: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`fleetgate dev: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the embedded default deployment in this process: the registry (in memory, or Redis),
 * a gateway, the scaler loop with the policy's gateway source and a process provider, which starts
 * the initial executors on its first tick. Resolves once the gateway has a healthy host.
 */
export async function startDev(o: DevOptions): Promise<DevFleet> {
  const log = o.logger;
  const policy = await loadDevPolicy(o.policyFile);
  const initialExecutors =
    o.executors ?? (policy.provider.type === 'process' ? policy.provider.executors : policy.hosts.min);
  const registry = createRegistry(
    o.redisUrl
      ? { type: 'redis', url: o.redisUrl, logger: log, reloadIntervalMs: 5_000 }
      : { type: 'memory', logger: log },
  );
  const gatewayMetrics = new Registry();
  const gateway = createGateway({
    registry,
    pool: policy.pool,
    clock: systemClock,
    logger: log,
    metricsRegistry: gatewayMetrics,
    options: {
      host: o.host,
      port: o.port,
      secret: o.secret,
      executorSecret: o.executorSecret,
      // A local fleet changes under your eyes: probe every second so new hosts serve at once.
      healthCheck: { interval: 1_000, timeout: 1_000 },
      registryReloadInterval: 5_000,
      shutdownTimeout: 10_000,
    },
  });

  let running: RunningGateway | undefined;
  let provider: HostProvider | undefined;
  let loop: PoolLoop | undefined;
  let leader: { elector: LeaderElector; client: RedisClient } | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await loop?.stop().catch((error: unknown) => log.warn({ err: error }, 'scaler stop failed'));
      await leader?.elector.stop().catch(() => undefined);
      leader?.client.disconnect();
      // Drain: the gateway stops sending new work to every host, then finishes what is in flight.
      const hosts = await registry.list(policy.pool).catch(() => undefined);
      for (const h of hosts?.hosts ?? []) {
        if (h.provider === 'process')
          await registry.setState(policy.pool, h.id, 'draining').catch(() => undefined);
      }
      // When listening failed, the gateway's loops (health, registry watch) still run: stop them too.
      await (running ? running.close() : gateway.stop()).catch((error: unknown) =>
        log.warn({ err: error }, 'gateway stop failed'),
      );
      // SIGTERM every executor (each drains and stops its runtime processes), SIGKILL past the deadline.
      await provider?.close().catch((error: unknown) => log.warn({ err: error }, 'executor stop failed'));
      for (const h of hosts?.hosts ?? []) {
        if (h.provider === 'process') await registry.deregister(policy.pool, h.id).catch(() => undefined);
      }
      await registry.close();
    })();
    return stopping;
  };

  try {
    if (o.redisUrl) leader = await leadPool(o.redisUrl, policy.pool, log);
    running = await startGateway(
      gateway,
      {
        host: o.host,
        port: o.port,
        headersTimeout: gateway.options.headersTimeout,
        requestTimeout: gateway.options.requestTimeout,
        shutdownTimeout: gateway.options.shutdownTimeout,
      },
      log,
    ).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new FleetgateError(
          'DEV_PORT_UNAVAILABLE',
          `cannot listen on ${o.host}:${o.port} (${code}): choose another port with --port`,
          { cause: error },
        );
      }
      throw error;
    });
    const gatewayUrl = `http://${o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host}:${running.port}`;
    provider = createProcessProvider({
      pool: policy.pool,
      executorSecret: o.executorSecret,
      executorArgs: ['--source-root', REPO_ROOT, '--mode', o.executorMode],
      logDir: o.executorLogDir,
      // Unlike a production scaler, dev owns its executors: closing it stops them all.
      stopOnClose: true,
      logger: log,
      stopTimeoutMs: 15_000,
    });
    const scalerMetrics = createScalerMetrics(new Registry());
    const desiredGauge = scalerMetrics.desiredHosts;
    loop = new PoolLoop({
      policy,
      registry,
      source: createSource(policy.source, { clock: systemClock, gatewayUrls: [gatewayUrl] }),
      provider,
      // With an in-memory registry this is the only scaler; with Redis it holds the pool's leader lock.
      elector: leader?.elector ?? soleLeader(),
      clock: systemClock,
      logger: log,
      metrics: scalerMetrics,
      localLog: memoryDecisionLog(),
      startedAt: Date.now(),
      initialHosts: initialExecutors,
    });
    loop.start();
    await until('no executor became healthy', o.readyTimeoutMs, () => gateway.readiness().ready);
    return {
      gatewayUrl,
      policy,
      initialExecutors,
      registry,
      gateway,
      gatewayMetrics,
      async desired() {
        const values = (await desiredGauge.get()).values;
        return values.find((v) => v.labels.pool === policy.pool)?.value;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Lease of dev's leader lock (the same as a scaler's default `scaler.leaseTtl`). */
const DEV_LEASE_MS = 15_000;

/**
 * With a shared Redis, dev's scaler must be the pool's only one: it takes the pool's leader lock (as
 * `fleetgate scaler` does) and refuses to start when another scaler or dev holds it, rather than
 * fight it over the pool's hosts. Should the lease be lost later, its loop follows in dry-run.
 */
async function leadPool(
  redisUrl: string,
  pool: string,
  log: Logger,
): Promise<{ elector: LeaderElector; client: RedisClient }> {
  const client = redisConnector({ url: redisUrl }).create('command');
  client.on('error', () => {});
  try {
    if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    client.disconnect();
    throw new FleetgateError('DEV_REDIS_UNAVAILABLE', `cannot reach Redis at ${redactUrl(redisUrl)}`, {
      cause: error,
    });
  }
  const elector = createLeaderElector({
    lock: createLeaderLock({
      client,
      key: poolKeys(pool).leader,
      token: `dev:${hostname()}:${process.pid}`,
      ttlMs: DEV_LEASE_MS,
    }),
    renewEveryMs: Math.floor(DEV_LEASE_MS / 3),
    logger: log,
  });
  if (!(await elector.step())) {
    client.disconnect();
    throw new FleetgateError(
      'DEV_POOL_TAKEN',
      `pool "${pool}" already has a leading scaler on this Redis (key ${poolKeys(pool).leader}); stop it, or give dev a policy for another pool (--policy)`,
    );
  }
  elector.start();
  return { elector, client };
}
