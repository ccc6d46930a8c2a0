import type { ExecutionResult } from './backend.ts';
import { ExecutorError } from './errors.ts';
import { encodeMultipart } from './multipart.ts';

/** An execution result plus the executor's timing, as the response carries it. */
export interface ExecutionOutcome extends ExecutionResult {
  /** Seconds, including any cold start. */
  duration: number;
  /** Seconds since the epoch. */
  startTime: number;
}

/**
 * JSON when any entry of `Accept` starts with `application/json` or `application/*` (the real
 * executor's rule; it splits on ", ", this splits on "," and trims); multipart otherwise.
 */
export function wantsJson(accept: string | undefined): boolean {
  return (accept ?? '')
    .toLowerCase()
    .split(',')
    .some((entry) => {
      const a = entry.trim();
      return a.startsWith('application/json') || a.startsWith('application/*');
    });
}

/** True when `x-executor-response-format` is 0.11.0 or later: repeated headers stay arrays. */
export function keepsHeaderArrays(format: string | undefined): boolean {
  if (!format) return false;
  const [major = 0, minor = 0] = format.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return major > 0 || minor >= 11;
}

/** Response headers without `x-open-runtimes-*`, arrays kept or collapsed to the last value. */
export function responseHeaders(
  headers: Record<string, string | string[]>,
  keepArrays: boolean,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key.startsWith('x-open-runtimes-')) continue;
    out[key] = Array.isArray(value) && !keepArrays ? (value.at(-1) ?? '') : value;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON response body; `execution_bad_json` when the function's body is not UTF-8 text. */
export function executionJson(outcome: ExecutionOutcome, keepArrays: boolean): string {
  let body: string;
  try {
    body = utf8.decode(outcome.body);
  } catch {
    throw new ExecutorError('execution_bad_json');
  }
  return JSON.stringify({
    statusCode: outcome.statusCode,
    headers: responseHeaders(outcome.headers, keepArrays),
    body,
    logs: outcome.logs,
    errors: outcome.errors,
    duration: outcome.duration,
    startTime: outcome.startTime,
  });
}

/**
 * The multipart response: one part per field in the real executor's order, values as they are
 * (the body's bytes and the logs' `\n` unchanged), `headers` as a JSON part.
 */
export function executionMultipart(
  outcome: ExecutionOutcome,
  keepArrays: boolean,
  boundary: string,
): Response {
  const body = encodeMultipart(
    {
      statusCode: String(outcome.statusCode),
      headers: { json: responseHeaders(outcome.headers, keepArrays) },
      body: outcome.body,
      logs: outcome.logs,
      errors: outcome.errors,
      duration: String(outcome.duration),
      startTime: String(outcome.startTime),
    },
    boundary,
  );
  return new Response(body, {
    status: 200,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}
