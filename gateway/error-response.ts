import type { ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.ts';
import { GatewayError } from './errors.ts';

/**
 * An error as the client sees it: status and the JSON body open-runtimes/proxy answers with,
 * `{message, code, version}` (`code` the HTTP status as a number), plus `type`, Fleetgate's stable
 * error code in text (`no_hosts`, `upstream_failed`, …), and any details.
 */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Unexpected errors are logged at error level; expected ones are not. */
  unexpected: boolean;
}

/** Turns an error into its answer and logs it: the one place, for the gateway's own paths and forwarded requests alike. */
export type ErrorAnswerer = (error: unknown) => ErrorAnswer;

/**
 * The gateway's error answerer, with one log shape: an unexpected error at error level with its
 * stack, an expected 5xx (upstream failures, no hosts) at debug with its code; 4xx are not logged.
 */
export function createErrorAnswerer(logger: Logger, version: string, env: string): ErrorAnswerer {
  return (error) => {
    const answer = errorAnswer(error, version, env);
    if (answer.unexpected) logger.error({ err: error }, 'unexpected error');
    else if (answer.status >= 500)
      logger.debug(
        { type: answer.body.type, status: answer.status, err: (error as Error).message },
        'request failed',
      );
    return answer;
  };
}

/**
 * The one mapping from errors to HTTP answers (see createErrorAnswerer). GatewayErrors carry their status; anything else is a 500 whose detail is shown
 * only with `env: development` (open-runtimes/proxy's OPR_PROXY_ENV).
 */
export function errorAnswer(error: unknown, version: string, env: string): ErrorAnswer {
  if (error instanceof GatewayError) {
    const body: Record<string, unknown> = {
      message: error.message,
      code: error.status,
      type: error.wireCode,
      version,
    };
    if (error.details) Object.assign(body, error.details);
    return { status: error.status, body, unexpected: false };
  }
  const message = env === 'development' && error instanceof Error ? error.message : 'Internal error.';
  return {
    status: 500,
    body: { message, code: 500, type: 'general_server_error', version },
    unexpected: true,
  };
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
