import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { isConnectError, isTimeoutError } from '../lib/network-errors.ts';
import { responseHeaders } from './headers.ts';

/** One attempt to forward a request to one host. */
export interface ForwardAttempt {
  hostId: string;
  dispatcher: Dispatcher;
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Flat `[name, value, …]` list. */
  headers: string[];
  body: Readable | Buffer | null;
  res: ServerResponse;
  /** Upstream timeout in ms (headers, then between body chunks). */
  timeout: number;
  /** Add `x-fleetgate-host`. */
  hostHeader: boolean;
  /** Keep the first response body chunk when the status is 404 (to read `runtime_not_found`). */
  peek404: boolean;
  /**
   * Read when the response starts: during a shutdown the response closes its connection, so a
   * keep-alive client does not send its next request on a socket that is about to go away.
   */
  shuttingDown: () => boolean;
}

/** How an attempt ended. */
export type ForwardOutcome =
  /** The upstream response was relayed to the client (`status`); `peek` is the first 404 chunk. */
  | { kind: 'done'; status: number; peek: Buffer | undefined; headersAt: number }
  /** Nothing was sent upstream (connect refused/timed out): safe to try another host. */
  | { kind: 'connect'; error: Error }
  /** The request was sent but no response headers came back: 502, or 504 on timeout. */
  | { kind: 'failed'; error: Error; timeout: boolean }
  /** The response had started when it broke (the client connection is destroyed). */
  | { kind: 'broken'; status: number; error: Error; headersAt: number }
  /** The client went away; the upstream request was aborted. */
  | { kind: 'client-aborted' };

/**
 * Streams one request to a host with undici's dispatcher API and the upstream response straight into
 * the raw Node response: no web streams, no buffering, backpressure both ways. Resolves (never
 * rejects) with how it ended; the caller decides about failover and error answers.
 */
export function forwardOnce(attempt: ForwardAttempt): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    const handler = new ForwardHandler(attempt, resolve);
    try {
      attempt.dispatcher.dispatch(
        {
          origin: undefined,
          method: attempt.method as Dispatcher.HttpMethod,
          path: attempt.path,
          headers: attempt.headers,
          body: attempt.body,
          headersTimeout: attempt.timeout,
          bodyTimeout: attempt.timeout,
        } as Dispatcher.DispatchOptions,
        handler,
      );
    } catch (error) {
      handler.onError(error as Error);
    }
  });
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | undefined;
  private sent = false;
  private status = 0;
  private headersAt = 0;
  private peek: Buffer | undefined;
  private resume: (() => void) | undefined;
  private waitingForDrain = false;
  private settled = false;
  private clientGone = false;

  constructor(
    private readonly a: ForwardAttempt,
    private readonly resolve: (outcome: ForwardOutcome) => void,
  ) {
    a.res.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (this.settled || this.a.res.writableFinished) return;
    this.clientGone = true;
    this.abort?.(new ClientAbortError());
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.resume?.();
  };

  private finish(outcome: ForwardOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.a.res.off('close', this.onClientClose);
    this.a.res.off('drain', this.onDrain);
    this.resolve(outcome);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    this.sent = true;
    if (this.clientGone) abort(new ClientAbortError());
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx: informational, not relayed
    this.status = status;
    this.headersAt = performance.now();
    const res = this.a.res;
    if (res.destroyed) return false;
    if (this.a.shuttingDown()) res.shouldKeepAlive = false;
    res.writeHead(status, responseHeaders(raw, this.a.hostHeader ? this.a.hostId : undefined));
    // Kept for backpressure: when the client is slower than the host, the host is paused until 'drain'.
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status === 404 && this.a.peek404 && this.peek === undefined) this.peek = chunk;
    const res = this.a.res;
    if (res.destroyed) return false;
    if (res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      res.once('drain', this.onDrain);
    }
    return false;
  }

  onComplete(): void {
    const res = this.a.res;
    if (!res.destroyed) res.end();
    this.finish({ kind: 'done', status: this.status, peek: this.peek, headersAt: this.headersAt });
  }

  onError(error: Error): void {
    if (this.clientGone || error instanceof ClientAbortError) {
      this.finish({ kind: 'client-aborted' });
      return;
    }
    if (this.status !== 0) {
      // The response had started: the client must see a broken response, not a truncated success.
      this.a.res.destroy(error);
      this.finish({ kind: 'broken', status: this.status, error, headersAt: this.headersAt });
      return;
    }
    if (!this.sent || isConnectError(error)) {
      this.finish({ kind: 'connect', error });
      return;
    }
    this.finish({ kind: 'failed', error, timeout: isTimeoutError(error) });
  }
}

/** Raised into undici when the client disconnected; never answered. */
export class ClientAbortError extends Error {
  readonly code = 'GW_CLIENT_ABORTED';
  constructor() {
    super('client disconnected');
  }
}
