import type { ServerResponse } from 'node:http';
import { GatewayError } from './errors.ts';

/** An error as the client sees it: status and the JSON body `{message, code, version, …}`. */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Unexpected errors are logged at error level; expected ones are not. */
  unexpected: boolean;
}

/**
 * The one mapping from errors to HTTP answers, used by the Hono app's onError and by the server's
 * fast path alike. GatewayErrors carry their status; anything else is a 500 whose detail is shown
 * only with `env: development` (open-runtimes/proxy's OPR_PROXY_ENV).
 */
export function errorAnswer(error: unknown, version: string, env: string): ErrorAnswer {
  if (error instanceof GatewayError) {
    const body: Record<string, unknown> = { message: error.message, code: error.wireCode, version };
    if (error.details) Object.assign(body, error.details);
    return { status: error.status, body, unexpected: false };
  }
  const message = env === 'development' && error instanceof Error ? error.message : 'Internal error.';
  return { status: 500, body: { message, code: 'general_server_error', version }, unexpected: true };
}

/**
 * Writes an error answer to a raw response (when nothing was written yet; else drops the connection).
 * `closeConnection` (during a shutdown) ends the keep-alive connection after it.
 */
export function writeErrorAnswer(res: ServerResponse, answer: ErrorAnswer, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  if (closeConnection) res.shouldKeepAlive = false;
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
