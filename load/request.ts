import type { LoadEvent } from './plan.ts';

/**
 * Function request header the local executor's simulated runtimes read as the execution time in ms
 * (`SIM_DURATION_HEADER` in executor/simulated-backend.ts; also accepted as `simDurationMs` in the body).
 */
export const SIM_DURATION_HEADER = 'x-sim-duration-ms';

/** One HTTP request as the runner sends it. */
export interface HttpRequest {
  method: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Turns a planned event into the request that executes it. */
export type RequestBuilder = (event: LoadEvent) => HttpRequest;

/** The function every execution runs (created on first use by the executor's cold start). */
export interface ExecutionOptions {
  /** Gateway secret, sent as `Authorization: Bearer …`; omitted when undefined. */
  secret?: string;
  /** Runtime image, e.g. `openruntimes/node:v5-22`. */
  image: string;
  /** Function folder or `.tar.gz` on the executor's machine. */
  source: string;
  /** Module inside `source` (`index.mjs` for the sample function). */
  entrypoint: string;
  /** Executor-side execution timeout in seconds (the contract's `timeout`, default 15). */
  timeoutSeconds: number;
}

/**
 * Builds `POST /v1/runtimes/<id>/executions` with the runtime fields the executor needs to
 * cold-start the runtime when it is absent (docs/compatibility.md: image/source on execute), JSON in and out.
 */
export function executionRequest(options: ExecutionOptions): RequestBuilder {
  const base: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (options.secret !== undefined) base.authorization = `Bearer ${options.secret}`;
  return (event) => {
    const headers: Record<string, string> = { ...base, 'x-opr-runtime-id': event.runtimeId };
    const functionHeaders: Record<string, string> = {};
    const functionBody: Record<string, unknown> = { runtimeId: event.runtimeId };
    if (event.durationMs !== undefined) {
      // The local executor's simulated runtimes hold the execution this long (header or body field).
      functionHeaders[SIM_DURATION_HEADER] = String(event.durationMs);
      functionBody.simDurationMs = event.durationMs;
    }
    const body = JSON.stringify({
      image: options.image,
      source: options.source,
      entrypoint: options.entrypoint,
      timeout: options.timeoutSeconds,
      method: 'POST',
      path: '/',
      headers: functionHeaders,
      body: JSON.stringify(functionBody),
    });
    return {
      method: 'POST',
      path: `/v1/runtimes/${encodeURIComponent(event.runtimeId)}/executions`,
      headers,
      body,
    };
  };
}
