import type { ExecutionResult } from './backend.ts';
import { ExecutorError } from './errors.ts';

/** An execution result plus the executor's timing, as the response carries it. */
export interface ExecutionOutcome extends ExecutionResult {
  /** Seconds, including any cold start. */
  duration: number;
  /** Seconds since the epoch. */
  startTime: number;
}

/** JSON when `Accept` starts with `application/json` or `application/*` (the real executor's rule). */
export function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase();
  return a.startsWith('application/json') || a.startsWith('application/*');
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

/** The multipart response: one part per field, the body as a binary part. */
export function executionMultipart(outcome: ExecutionOutcome, keepArrays: boolean): Response {
  const form = new FormData();
  form.set('statusCode', String(outcome.statusCode));
  form.set('headers', JSON.stringify(responseHeaders(outcome.headers, keepArrays)));
  form.set('body', new Blob([outcome.body]), 'body');
  form.set('logs', outcome.logs);
  form.set('errors', outcome.errors);
  form.set('duration', String(outcome.duration));
  form.set('startTime', String(outcome.startTime));
  return new Response(form, { status: 200 });
}
