import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { isConnectError, isTimeoutError } from '../../lib/network-errors.ts';
import { responseHeaders, withHostname } from '../headers.ts';
import { BodyRelay } from './body-relay.ts';
import { DeadlineSweep, type Expiring } from './deadlines.ts';

/** What is sent upstream, whichever host it goes to. */
export interface UpstreamRequest {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Flat `[name, value, …]` list. */
  headers: string[];
  body: Readable | Buffer | null;
  res: ServerResponse;
  /** Keep the first response body chunk when the status is 404 (to read `runtime_not_found`). */
  peek404: boolean;
  /**
   * The whole attempt, response body included, ends within this many ms (`gateway.maxTimeout` for
   * executions): a host trickling bytes cannot hold it longer. Undefined: no total bound (log streams).
   */
  deadline: number | undefined;
  /** The longest wait for the response headers, then between two body chunks, in ms. */
  idleTimeout: number;
}

/** How the forwarder is set up for every request. */
export interface ForwarderOptions {
  /** Add `x-fleetgate-host`. */
  hostHeader: boolean;
  /**
   * Read when the response starts: during a shutdown the response closes its connection, so a
   * keep-alive client does not send its next request on a socket that is about to go away.
   */
  shuttingDown: () => boolean;
  /** Add `x-opr-executor-hostname: <host id>` to each request (`gateway.env: development`). */
  hostnameHeader?: boolean;
}

/** Sends one request to one host and relays the answer; never rejects (a fake in unit tests). */
export type Forwarder = (
  host: { id: string; pool: Dispatcher },
  request: UpstreamRequest,
) => Promise<ForwardOutcome>;

/** How an attempt ended. */
export type ForwardOutcome =
  /**
   * The upstream response was relayed to the client (`status`); `peek` is the first 404 chunk,
   * `headersSeconds` the wait for the response headers.
   */
  | { kind: 'done'; status: number; peek: Buffer | undefined; headersSeconds: number }
  /**
   * Nothing was sent upstream (connect refused/timed out, or the connection broke before a byte of
   * the request was written and before a chunk of a streamed body was taken): safe to try another host.
   */
  | { kind: 'connect'; error: Error }
  /** The request was sent but no response headers came back: 502, or 504 on timeout. */
  | { kind: 'failed'; error: Error; timeout: boolean }
  /** The response had started when it broke (the client connection is destroyed). */
  | { kind: 'broken'; status: number; error: Error }
  /** The client went away; the upstream request was aborted. */
  | { kind: 'client-aborted' };

/**
 * How often the total deadlines of attempts are checked, ms: a `gateway.maxTimeout` fires between
 * its value and about two of these later (one shared sweep, no timer per request).
 */
export const DEADLINE_RESOLUTION = 50;

/** The forwarder: `forwardOnce` with the gateway's settings and one deadline sweep for all its attempts. */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const deadlines = new DeadlineSweep(DEADLINE_RESOLUTION);
  return (host, request) => forwardOnce(host.id, host.pool, request, options, deadlines);
}

/**
 * Streams one request to a host with undici's dispatcher API and the upstream response straight into
 * the raw Node response: no web streams, no buffering, backpressure both ways. Resolves (never
 * rejects) with how it ended; the caller decides about failover and error answers.
 */
function forwardOnce(
  hostId: string,
  dispatcher: Dispatcher,
  attempt: UpstreamRequest,
  options: ForwarderOptions,
  deadlines: DeadlineSweep,
): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    const body = attempt.body;
    // A streamed body goes through a relay of its own: undici destroys it, not the client's request.
    const relay = body === null || Buffer.isBuffer(body) ? undefined : new BodyRelay(body);
    const handler = new ForwardHandler(attempt, hostId, options, deadlines, resolve, relay);
    try {
      dispatcher.dispatch(
        {
          origin: undefined,
          method: attempt.method as Dispatcher.HttpMethod,
          path: attempt.path,
          headers: options.hostnameHeader ? withHostname(attempt.headers, hostId) : attempt.headers,
          body: relay ?? body,
          headersTimeout: attempt.idleTimeout,
          bodyTimeout: attempt.idleTimeout,
        } as Dispatcher.DispatchOptions,
        handler,
      );
    } catch (error) {
      handler.onError(error as Error);
    }
  });
}

class ForwardHandler implements Dispatcher.DispatchHandler, Expiring {
  private abort: ((err?: Error) => void) | undefined;
  private sent = false;
  private status = 0;
  private headersAt = 0;
  private peek: Buffer | undefined;
  private resume: (() => void) | undefined;
  private waitingForDrain = false;
  private settled = false;
  private clientGone = false;
  private readonly started = performance.now();
  private expired = false;
  /** The deadline sweep's slot for this attempt (see `Expiring`). */
  deadlineSlot = -1;

  constructor(
    private readonly a: UpstreamRequest,
    private readonly hostId: string,
    private readonly options: ForwarderOptions,
    private readonly deadlines: DeadlineSweep,
    private readonly resolve: (outcome: ForwardOutcome) => void,
    private readonly relay: BodyRelay | undefined,
  ) {
    // One shared listener that finds this handler on the response: no closure and no `once`
    // wrapper per request.
    (a.res as Tagged)[HANDLER] = this;
    a.res.on('close', onResponseClose);
    if (a.deadline !== undefined) deadlines.add(this, a.deadline);
  }

  /** The total deadline passed: abort the attempt (now, or as soon as it is connected). */
  expire(): void {
    if (this.settled) return;
    this.expired = true;
    this.abort?.(new DeadlineError(this.a.deadline ?? 0));
  }

  /** The client connection closed (or the response finished: then nothing to do). */
  clientClosed(): void {
    if (this.settled || this.a.res.writableFinished) return;
    this.clientGone = true;
    this.abort?.(new ClientAbortError());
  }

  /** The client caught up: the host may send again. */
  drained(): void {
    this.waitingForDrain = false;
    this.resume?.();
  }

  private finish(outcome: ForwardOutcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.a.deadline !== undefined) this.deadlines.delete(this);
    const res = this.a.res as Tagged;
    res.removeListener('close', onResponseClose);
    if (this.waitingForDrain) res.removeListener('drain', onResponseDrain);
    if (res[HANDLER] === this) res[HANDLER] = undefined;
    // Detach from the client's body even when undici never used the relay (connect failure).
    if (this.relay !== undefined && !this.relay.destroyed) this.relay.destroy();
    this.resolve(outcome);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.clientGone) abort(new ClientAbortError());
    else if (this.expired) abort(new DeadlineError(this.a.deadline ?? 0));
  }

  /** Bytes of the request were handed to the socket (undici writes the head with the first chunk). */
  onBodySent(): void {
    this.sent = true;
  }

  /** The request was written whole (a body-less request: its head). */
  onRequestSent(): void {
    this.sent = true;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx: informational, not relayed
    this.status = status;
    this.headersAt = performance.now();
    const res = this.a.res;
    if (res.destroyed) return false;
    if (this.options.shuttingDown()) res.shouldKeepAlive = false;
    res.writeHead(status, responseHeaders(raw, this.options.hostHeader ? this.hostId : undefined));
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
      res.once('drain', onResponseDrain);
    }
    return false;
  }

  onComplete(): void {
    const res = this.a.res;
    if (!res.destroyed) res.end();
    this.finish({
      kind: 'done',
      status: this.status,
      peek: this.peek,
      headersSeconds: (this.headersAt - this.started) / 1000,
    });
  }

  onError(error: Error): void {
    if (this.clientGone || error instanceof ClientAbortError || this.a.res.destroyed) {
      this.finish({ kind: 'client-aborted' });
      return;
    }
    if (this.status !== 0) {
      // The response had started: the client must see a broken response, not a truncated success.
      this.a.res.destroy(error);
      this.finish({ kind: 'broken', status: this.status, error });
      return;
    }
    // A chunk taken from a streamed body is gone even if it was never written: no other host can have it.
    if (this.relay?.took !== true && (!this.sent || isConnectError(error))) {
      this.finish({ kind: 'connect', error });
      return;
    }
    this.finish({ kind: 'failed', error, timeout: error instanceof DeadlineError || isTimeoutError(error) });
  }
}

/** Where a response keeps the handler of the attempt writing to it. */
const HANDLER = Symbol('fleetgate.forwardHandler');
type Tagged = ServerResponse & { [HANDLER]?: ForwardHandler | undefined };

/** `close` of a response (`this`): tells the attempt writing to it. */
function onResponseClose(this: ServerResponse): void {
  (this as Tagged)[HANDLER]?.clientClosed();
}

/** `drain` of a response (`this`): the attempt writing to it may read from the host again. */
function onResponseDrain(this: ServerResponse): void {
  (this as Tagged)[HANDLER]?.drained();
}

/** Raised into undici when the client disconnected; never answered. */
export class ClientAbortError extends Error {
  readonly code = 'GW_CLIENT_ABORTED';
  constructor() {
    super('client disconnected');
  }
}

/** Raised into undici when an attempt ran past its total deadline (`gateway.maxTimeout`). */
export class DeadlineError extends Error {
  readonly code = 'GW_DEADLINE_TIMEOUT';
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
  }
}
