import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Registry } from 'prom-client';
import { type Clock, systemClock } from '../lib/clock.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { seededRandom } from '../lib/random.ts';
import { authorizationKey, secretEquals } from '../lib/secrets.ts';
import { createExecutor, type Executor } from './app.ts';
import type { RuntimeBackend } from './backend.ts';
import { startDockerBackend } from './docker-start.ts';
import { type ExecutorInput, resolveExecutorOptions } from './options.ts';
import { createProcessBackend } from './process-backend.ts';
import { pickEnvironment } from './runtime-env.ts';
import { createSimulatedBackend } from './simulated-backend.ts';

/** A listening executor. */
export interface RunningExecutor {
  url: string;
  port: number;
  executor: Executor;
  /**
   * Drains and stops: refuse new work, wait for in-flight executions up to the drain timeout,
   * stop every runtime, close the socket. Idempotent.
   */
  close(): Promise<void>;
}

/** Optional dependencies of `startExecutor`; defaults are the real ones. */
export interface StartExecutorDeps {
  clock?: Clock;
  logger?: Logger;
  registry?: Registry;
  backend?: RuntimeBackend;
}

/** Starts an executor on `options.bind:options.port` (port 0 picks a free one). */
export async function startExecutor(
  input: ExecutorInput,
  deps: StartExecutorDeps = {},
): Promise<RunningExecutor> {
  const ownWorkDir = !input.workDir;
  await reapStaleFolders();
  const workDir = input.workDir || (await mkdtemp(join(tmpdir(), `fleetgate-executor-${process.pid}-`)));
  const options = resolveExecutorOptions({ ...input, workDir });
  // Runtimes write and the executor reads and deletes two small log files per execution: on a
  // tmpfs that costs no disk journal (Open Runtimes mounts /mnt/logs as a volume for the same job).
  // A caller that names the work folder owns its cleanup, so the logs stay inside it then.
  const logsRoot = options.mode !== 'simulated' && ownWorkDir ? await memoryFolder() : undefined;
  const logger = deps.logger ?? createLogger({ name: 'executor' });
  const docker =
    !deps.backend && options.mode === 'docker'
      ? await startDockerBackend(options, { workDir, logsRoot, logger })
      : undefined;
  const backend =
    deps.backend ??
    docker?.backend ??
    (options.mode === 'simulated'
      ? createSimulatedBackend(options.simulated, seededRandom(options.simulated.seed), options.hostname)
      : createProcessBackend({
          runtimeCommands: options.runtimeCommands,
          workDir,
          logsRoot,
          logger,
          maxSourceBytes: options.maxSourceBytes,
          graceMs: options.executionGraceMs,
          environment: pickEnvironment(process.env, options.runtimeEnv),
        }));
  const executor = createExecutor({
    options,
    clock: deps.clock ?? systemClock,
    logger,
    registry: deps.registry ?? new Registry(),
    backend,
    ...(docker ? { buildShell: docker.buildShell } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: executor.app.fetch, port: options.port, hostname: options.bind }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  // `Expect: 100-continue`: the body is invited only from a caller with the executor secret and a
  // Content-Length within the body limit; any other gets its 401/413 without sending it (issue 18).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const token = authorizationKey(req.headers.authorization);
    const length = Number(req.headers['content-length'] ?? 0);
    if (token !== undefined && secretEquals(token, options.secret) && length <= options.bodyLimitBytes)
      res.writeContinue();
    else res.shouldKeepAlive = false;
    server.emit('request', req, res);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.bind === '0.0.0.0' || options.bind === '::' ? '127.0.0.1' : options.bind;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const sweeper = setInterval(() => {
    executor.sweep().catch((error) => logger.error({ err: error }, 'sweep failed'));
  }, options.maintenanceIntervalMs);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      executor.startDraining();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const drained = await executor.waitIdle(options.drainTimeoutMs);
      if (!drained) logger.warn({ inflight: executor.table.inflight() }, 'drain deadline passed');
      await executor.table.stopAll();
      await docker?.close();
      // Executions cut short by the stop answer with an error; let those answers go out.
      await executor.waitIdle(2000);
      await new Promise((r) => setImmediate(r));
      server.closeAllConnections();
      await closed;
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true }).catch(() => {});
      if (logsRoot) await rm(logsRoot, { recursive: true, force: true }).catch(() => {});
    })();
    return closing;
  };
  return { url, port, executor, close };
}

/** A fresh folder on /dev/shm when there is one (Linux), else undefined (logs go under workDir). */
async function memoryFolder(): Promise<string | undefined> {
  try {
    return await mkdtemp(join(SHM, `fleetgate-executor-logs-${process.pid}-`));
  } catch {
    return undefined;
  }
}

const SHM = '/dev/shm';
const OWNED_FOLDER = /^fleetgate-executor-(?:logs-)?(\d+)-/;

/**
 * Removes work and log folders left by executors that died without cleaning up (SIGKILL): their
 * names carry the owner's pid, and a folder whose owner no longer runs is garbage.
 */
async function reapStaleFolders(): Promise<void> {
  for (const root of [tmpdir(), SHM]) {
    const names = await readdir(root).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(OWNED_FOLDER.exec(name)?.[1]);
      if (!pid || pid === process.pid || isRunning(pid)) continue;
      await rm(join(root, name), { recursive: true, force: true }).catch(() => {});
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
