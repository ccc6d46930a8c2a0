import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Registry } from 'prom-client';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { pathProblem } from '../lib/request-rules.ts';
import { authorizationKey, secretEquals } from '../lib/secrets.ts';
import { createExecutorMetrics, type ExecutorMetrics } from '../metrics/executor.ts';
import type { RuntimeBackend } from './backend.ts';
import { Builds } from './build/builds.ts';
import { readBuildJob } from './build/read-job.ts';
import type { BuildShell } from './build/shell.ts';
import { registerCommandsRoute } from './commands-route.ts';
import { ExecutorError } from './errors.ts';
import { registerExecutionRoute } from './execution-route.ts';
import { checkRuntimeId, FieldReader, readFields } from './fields.ts';
import { legacyHealth, runtimeView } from './health.ts';
import { registerLogsRoute } from './logs-route.ts';
import type { ExecutorOptions } from './options.ts';
import { RuntimeTable } from './runtimes.ts';
import { readRuntimeSpec } from './spec.ts';

/** The executor's version string in error bodies. */
export const EXECUTOR_VERSION = 'fleetgate-executor-0.1.0';

/** What `createExecutor` needs; tests pass fakes (manual clock, simulated backend). */
export interface ExecutorDeps {
  options: ExecutorOptions;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  backend: RuntimeBackend;
  /** Where build commands run; default child processes of this executor. */
  buildShell?: BuildShell;
}

/** An executor without a socket: the Hono app, its runtime table and drain control. */
export interface Executor {
  app: Hono;
  table: RuntimeTable;
  metrics: ExecutorMetrics;
  options: ExecutorOptions;
  /** Reaps idle runtimes and enforces the cap now. */
  sweep(): Promise<string[]>;
  /** From now on, new work is refused with 503. */
  startDraining(): void;
  /** Waits until no execution is in flight or `timeoutMs` passed; true when drained. */
  waitIdle(timeoutMs: number): Promise<boolean>;
}

/** Builds the executor app: routes, auth, error mapping, metrics. */
export function createExecutor(deps: ExecutorDeps): Executor {
  const { options, clock, registry } = deps;
  const logger = deps.logger.child({ component: 'executor' });
  const metrics = createExecutorMetrics(registry);
  metrics.memoryCapacity.set(options.simulated.memoryMb * 1024 * 1024);
  const builds = new Builds({
    workers: options.buildWorkers,
    queueCapacity: options.buildQueue,
    workDir: options.workDir,
    buildCacheDir: options.buildCacheDir,
    maxSourceBytes: options.maxSourceBytes,
    executorHostname: options.hostname,
    clock,
    logger,
    metrics,
    ...(deps.buildShell ? { shell: deps.buildShell } : {}),
  });
  const table = new RuntimeTable({
    backend: builds.backend(deps.backend),
    clock,
    logger,
    metrics,
    inactiveThresholdMs: options.inactiveThresholdMs,
    maxRuntimes: options.maxRuntimes,
    // Simulated hosts model a memory budget; process runtimes declare memory but do not enforce it.
    memoryCapacityMb: options.mode === 'simulated' ? options.simulated.memoryMb : undefined,
  });
  let draining = false;
  // Executions from the moment their request arrives (body parsing, cold start, run): what a drain waits for.
  const active = { executions: 0 };
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    c.res.headers.set('Server', 'Executor');
  });
  const errorResponse = (error: unknown, c: Context) => {
    const e =
      error instanceof ExecutorError
        ? error
        : new ExecutorError('general_unknown', undefined, { cause: error, status: 500 });
    // A client that leaves mid-request is no executor fault (found by the executor fuzz test).
    if (clientWentAway(error, c)) logger.debug({ type: e.type, message: e.message }, 'client went away');
    else if (e.type === 'general_unknown') logger.error({ err: error }, 'unexpected error');
    else logger.debug({ type: e.type, message: e.message }, 'request failed');
    const body = { type: e.type, message: e.message, code: e.status, version: EXECUTOR_VERSION };
    return c.json(body, e.status as 400, { Server: 'Executor' });
  };
  app.onError(errorResponse);
  app.notFound((c) => errorResponse(new ExecutorError('general_route_not_found'), c));

  app.get('/v1/health', (c) => {
    if (draining) return c.text('Draining', 503);
    return options.legacyHealth ? c.json(legacyHealth(table, options)) : c.text('OK');
  });
  app.get('/metrics', async (c) => {
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });

  app.use('/v1/*', async (c, next) => {
    // The raw request target, before the URL parser folds dot segments (the gateway checks the same).
    const raw = (c.env as Partial<HttpBindings> | undefined)?.incoming?.url ?? new URL(c.req.url).pathname;
    const q = raw.indexOf('?');
    const problem = pathProblem(q === -1 ? raw : raw.slice(0, q));
    if (problem !== undefined)
      throw new ExecutorError('general_argument_invalid', `Invalid path: ${problem}.`);
    const token = authorizationKey(c.req.header('authorization'));
    if (token === undefined || !secretEquals(token, options.secret))
      throw new ExecutorError('general_unauthorized');
    if (draining) throw new ExecutorError('general_unknown', 'Executor is shutting down.', { status: 503 });
    await next();
  });
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: () => {
        throw new ExecutorError('general_payload_too_large');
      },
    }),
  );

  app.get('/v1/runtimes', (c) => c.json(table.list().map((e) => runtimeView(e, options))));
  app.get('/v1/runtimes/:runtimeId', (c) => {
    const id = checkRuntimeId(c.req.param('runtimeId'), 'general_argument_invalid');
    const entry = table.get(id);
    if (!entry) throw new ExecutorError('runtime_not_found');
    return c.json(runtimeView(entry, options));
  });
  app.post('/v1/runtimes', async (c) => {
    const reader = new FieldReader(
      await readFields(c, 'general_argument_invalid'),
      'general_argument_invalid',
    );
    const id = reader.runtimeId('runtimeId');
    const timeoutMs = reader.number('timeout', 600) * 1000;
    const remove = reader.boolean('remove', false);
    const spec = await readRuntimeSpec(reader, id, options, timeoutMs);
    const build = await readBuildJob(reader, options.sourceRoot, timeoutMs);
    if (build) return c.json(await builds.create(table, spec, build, remove), 201);
    const started = clock.now();
    const entry = table.create(spec);
    try {
      table.release(await table.acquire(id, undefined, started + timeoutMs));
    } catch (error) {
      if (error instanceof ExecutorError && error.type === 'runtime_failed') {
        // An unavailable container engine stays a 503: the host, not the function, failed.
        const status = error.status === 503 ? { status: 503 } : {};
        throw new ExecutorError('build_failed', error.message, { cause: error, ...status });
      }
      throw error;
    }
    if (remove) await table.remove(id, 'deleted');
    return c.json(
      { output: entry.output, startTime: started / 1000, duration: (clock.now() - started) / 1000 },
      201,
    );
  });
  app.delete('/v1/runtimes/:runtimeId', async (c) => {
    const id = checkRuntimeId(c.req.param('runtimeId'), 'general_argument_invalid');
    if (!(await table.remove(id, 'deleted'))) {
      throw new ExecutorError('runtime_not_found');
    }
    return c.body(null, 200);
  });
  registerExecutionRoute(app, { table, metrics, clock, options, logger, active });
  registerLogsRoute(app, { table, clock, metrics });
  registerCommandsRoute(app, { table, clock });

  return {
    app,
    table,
    metrics,
    options,
    sweep: () => table.sweep(),
    startDraining: () => {
      draining = true;
      builds.close();
    },
    async waitIdle(timeoutMs: number) {
      const until = Date.now() + timeoutMs;
      const busy = () => table.inflight() > 0 || active.executions > 0 || builds.busy();
      while (busy() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return !busy();
    },
  };
}

/**
 * Whether a request failed because its client went away: the request's signal aborted, or Node's
 * `aborted` / `ECONNRESET` error from reading the body (directly or as the cause of a wrapping error).
 */
export function clientWentAway(error: unknown, c: Context): boolean {
  if (c.req.raw.signal.aborted) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'ECONNABORTED' || e.message === 'aborted') return true;
  }
  return false;
}
