import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ExecutorMetrics } from '../metrics/executor.ts';
import { ExecutorError } from './errors.ts';
import {
  type ExecutionOutcome,
  executionJson,
  executionMultipart,
  keepsHeaderArrays,
  wantsJson,
} from './execution-response.ts';
import { checkRuntimeId, FieldReader, readFields } from './fields.ts';
import type { ExecutorOptions } from './options.ts';
import type { RuntimeTable } from './runtimes.ts';
import { SIM_DURATION_HEADER } from './simulated-backend.ts';
import { readRuntimeSpec } from './spec.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);

interface RouteDeps {
  table: RuntimeTable;
  metrics: ExecutorMetrics;
  clock: Clock;
  options: ExecutorOptions;
  logger: Logger;
  /** Count of executions in progress, shared with the drain. */
  active: { executions: number };
}

/** `POST /v1/runtimes/:runtimeId/executions` (and `/execution`): cold start when needed, then run. */
export function registerExecutionRoute(app: Hono, deps: RouteDeps): void {
  const { table, metrics, clock, options } = deps;
  const handler = async (c: Context) => {
    const id = checkRuntimeId(c.req.param('runtimeId') ?? '', 'execution_bad_request');
    const started = clock.now();
    const began = performance.now();
    const mode = options.mode;
    metrics.inflightExecutions.inc({ mode });
    deps.active.executions++;
    let outcome = 'failed';
    try {
      const reader = new FieldReader(await readFields(c, 'execution_bad_request'), 'execution_bad_request');
      // The real executor's defaults: 15 s timeout, GET /, logging on.
      const timeoutMs = reader.number('timeout', 15) * 1000;
      const method = reader.string('method', 'GET').toUpperCase();
      if (!METHODS.has(method)) throw reader.invalid('method', `must be one of ${[...METHODS].join(', ')}`);
      let path = reader.string('path', '/');
      if (!path.startsWith('/')) path = `/${path}`;
      const request = {
        method,
        path,
        headers: lowerKeys(reader.record('headers')),
        body: await reader.bytes('body'),
        logging: reader.boolean('logging', true),
        timeoutMs,
      };
      // Simulated mode also takes the duration from the executor request's own header, so load
      // tools can set it without rewriting the function headers.
      const simHeader = mode === 'simulated' ? c.req.header(SIM_DURATION_HEADER) : undefined;
      if (simHeader !== undefined && request.headers[SIM_DURATION_HEADER] === undefined) {
        request.headers[SIM_DURATION_HEADER] = simHeader;
      }
      const wantsStart = reader.has('image') || reader.has('source');
      const spec = wantsStart ? await readRuntimeSpec(reader, id, options, timeoutMs) : undefined;
      const deadline = started + timeoutMs;
      const entry = await table.acquire(id, spec, deadline);
      request.timeoutMs = Math.max(1, deadline - clock.now());
      const result = await table.execute(entry, request);
      outcome = result.statusCode >= 400 ? 'function_error' : 'success';
      const full: ExecutionOutcome = {
        ...result,
        duration: (performance.now() - began) / 1000,
        startTime: started / 1000,
      };
      const keepArrays = keepsHeaderArrays(c.req.header('x-executor-response-format'));
      if (wantsJson(c.req.header('accept'))) {
        return c.body(executionJson(full, keepArrays), 200, { 'content-type': 'application/json' });
      }
      return executionMultipart(
        full,
        keepArrays,
        `----------------------------${randomBytes(12).toString('hex')}`,
      );
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      metrics.inflightExecutions.dec({ mode });
      deps.active.executions--;
      metrics.executions.inc({ outcome });
      metrics.executionDuration.observe({ outcome }, (performance.now() - began) / 1000);
      deps.logger.debug({ runtimeId: id, outcome, ms: Math.round(performance.now() - began) }, 'execution');
    }
  };
  app.post('/v1/runtimes/:runtimeId/executions', handler);
  app.post('/v1/runtimes/:runtimeId/execution', handler);
}

/** The `outcome` label of a failed execution. */
function outcomeOf(error: unknown): string {
  if (!(error instanceof ExecutorError)) return 'failed';
  if (error.type === 'execution_timeout' || error.type === 'runtime_timeout') return 'timeout';
  if (error.type === 'runtime_failed' || error.status >= 500) return 'failed';
  return 'rejected';
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
