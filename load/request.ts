import type { LoadEvent } from './plan.ts';

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
  /** Module inside `source`. */
  entrypoint: string;
  /** Executor-side execution timeout in seconds (the contract's `timeout`, default 15). */
  timeoutSeconds: number;
  /**
   * Header that carries the planned execution time in ms (trace replay), read by executors that
   * simulate runtimes; also passed to the function as a request header.
   */
  durationHeader: string;
}

/**
 * Builds `POST /v1/runtimes/<id>/executions` with the runtime fields the executor needs to
 * cold-start the runtime when it is absent (EXECUTOR-API.md: image/source on execute), JSON in and out.
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
    if (event.durationMs !== undefined) {
      headers[options.durationHeader] = String(event.durationMs);
      functionHeaders[options.durationHeader] = String(event.durationMs);
    }
    const body = JSON.stringify({
      image: options.image,
      source: options.source,
      entrypoint: options.entrypoint,
      timeout: options.timeoutSeconds,
      method: 'POST',
      path: '/',
      headers: functionHeaders,
      body: JSON.stringify({ runtimeId: event.runtimeId }),
    });
    return {
      method: 'POST',
      path: `/v1/runtimes/${encodeURIComponent(event.runtimeId)}/executions`,
      headers,
      body,
    };
  };
}
