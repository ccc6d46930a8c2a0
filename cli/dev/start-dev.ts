import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { scalerSchema } from '../../config/schema/scaler.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { systemClock } from '../../lib/clock.ts';
import { FleetgateError, UsageError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { PACKAGE_ROOT } from '../../lib/package-root.ts';
import { redactUrl } from '../../lib/redact.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import { poolKeys } from '../../registry/keys.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { createCoordination } from '../../scaler/coordination/create.ts';
import { createScaler, type Scaler } from '../../scaler/loop/scaler.ts';
import { parsePolicy } from '../../scaler/policy/parse.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import {
  checkDevDocker,
  type DevDockerOptions,
  dockerDevPolicy,
  prepareDevDockerHost,
} from './docker-hosts.ts';

/** The repository root: executors may read function sources anywhere below it. */
export const REPO_ROOT = PACKAGE_ROOT;
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
  /** How executors run runtimes; `docker` only with `docker` (runtime containers on that engine). */
  executorMode: 'process' | 'docker' | 'simulated';
  logger: Logger;
  /** How long to wait for the first healthy host. */
  readyTimeoutMs: number;
  /** Where executor logs go (`executorLogDir()`); default: a new private folder. */
  executorLogDir?: string;
  /** Executor hosts as containers on this engine (`--docker`) instead of local processes. */
  docker?: DevDockerOptions;
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
  const filePolicy = await loadDevPolicy(o.policyFile);
  if (o.executorMode === 'docker' && !o.docker) {
    throw new UsageError('--mode docker: runtime containers need executor containers: add --docker');
  }
  if (o.docker) await checkDevDocker(o.docker, o.executorMode === 'docker');
  const dockerHost =
    o.docker && o.executorMode === 'docker' ? await prepareDevDockerHost(o.docker) : undefined;
  const policy = o.docker
    ? dockerDevPolicy(filePolicy, o.docker, REPO_ROOT, o.executorMode, dockerHost)
    : filePolicy;
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
      // A pool scaled to zero: hold requests while the scaler boots a host.
      activator: { holdWhenNoHosts: policy.scaleToZero.enabled },
    },
    // A request waiting for a host: the scaler ticks now rather than at its next interval.
    onDemand: () => {
      for (const loop of scaler?.loops ?? []) void loop.tick();
    },
  });

  // With an in-memory registry dev's scaler is the only one (memory coordination); with Redis it
  // takes the pool's leader lock as `fleetgate scaler` does.
  const coordination = createCoordination({
    connection: o.redisUrl === undefined ? undefined : { url: o.redisUrl },
    clock: systemClock,
  });
  let running: RunningGateway | undefined;
  let scaler: Scaler | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // The scaler stops acting and lets go of the lock, but keeps its provider: the executors must
      // outlive the gateway's drain.
      await scaler?.halt().catch((error: unknown) => log.warn({ err: error }, 'scaler stop failed'));
      await coordination.close();
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
      await scaler?.stop().catch((error: unknown) => log.warn({ err: error }, 'executor stop failed'));
      for (const h of hosts?.hosts ?? []) {
        if (h.provider === 'process') await registry.deregister(policy.pool, h.id).catch(() => undefined);
      }
      await registry.close();
      // Every executor container is gone (and removed its runtimes): their work folder goes too.
      await dockerHost?.remove();
    })();
    return stopping;
  };

  try {
    if (o.redisUrl !== undefined && !(await coordination.ready(DEV_REDIS_WAIT_MS))) {
      throw new FleetgateError('DEV_REDIS_UNAVAILABLE', `cannot reach Redis at ${redactUrl(o.redisUrl)}`);
    }
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
    scaler = createScaler({
      // --executors is the policy's provider.executors: what the first tick starts.
      policies: [
        policy.provider.type === 'process'
          ? ({ ...policy, provider: { ...policy.provider, executors: initialExecutors } } as Policy)
          : policy,
      ],
      registry,
      coordination,
      identity: `dev:${hostname()}:${process.pid}`,
      leaseTtlMs: DEV_LEASE_MS,
      clock: systemClock,
      logger: log,
      metricsRegistry: new Registry(),
      provider: {
        executorSecret: o.executorSecret,
        executorArgs: ['--source-root', REPO_ROOT, '--mode', o.executorMode],
        // Unlike a production scaler, dev owns its executors: closing it stops them all.
        stopOnClose: true,
        stopTimeoutMs: 15_000,
        ...(o.executorLogDir === undefined ? {} : { logDir: o.executorLogDir }),
      },
      source: { gatewayUrls: [gatewayUrl] },
    });
    // Dev must be the pool's only scaler: rather than fight another one over the pool's hosts, it
    // refuses to start. Should the lease be lost later, its loop follows in dry-run.
    if (!(await scaler.campaign()).get(policy.pool)) {
      throw new FleetgateError(
        'DEV_POOL_TAKEN',
        `pool "${policy.pool}" already has a leading scaler on this Redis (key ${poolKeys(policy.pool).leader}); stop it, or give dev a policy for another pool (--policy)`,
      );
    }
    await scaler.start();
    const desiredGauge = scaler.metrics.desiredHosts;
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

/** How long dev waits for Redis before giving up. */
const DEV_REDIS_WAIT_MS = 10_000;
/** Lease of dev's leader lock: a scaler's own default (`scaler.leaseTtl` in config/schema/scaler.ts). */
const DEV_LEASE_MS = scalerSchema.parse({}).leaseTtl;
