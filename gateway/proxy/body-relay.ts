import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * One attempt's view of a streamed request body. undici destroys the body it is given when the
 * attempt ends; this relay is what it destroys, so the client's request survives for the next host.
 * It pulls chunks from the source only on demand (backpressure as before) and records whether it took
 * any: an attempt that took none and wrote nothing may go to another host with a fresh relay.
 *
 * A source feeds one relay at a time (an attempt's relay is destroyed before the next is made); it
 * points to it (`RELAY`), and the listeners on it are functions shared by every relay: no closure per
 * request (under tsx each would also cost a `__name` call, 4 per forwarded body).
 */
export class BodyRelay extends Readable {
  /** A chunk was taken from the source: it belongs to this attempt, whether or not it was written. */
  took = false;
  private waiting = false;

  constructor(private readonly source: Readable) {
    super();
    const s = source as Source;
    s[RELAY] = this;
    source.on('end', onSourceEnd);
    // The error listener stays when a relay detaches (a client request that errors later must not be
    // an unhandled error): one per source, whichever relay it feeds.
    if (s[ERROR_LISTENED] !== true) {
      s[ERROR_LISTENED] = true;
      source.on('error', onSourceError);
    }
    source.on('close', onSourceClose);
  }

  override _read(): void {
    const source = this.source;
    if (source.readableEnded) return void this.push(null);
    if (source.destroyed) return void this.destroy(source.errored ?? new BodyClosedError());
    for (;;) {
      const chunk: Buffer | null = source.read();
      if (chunk === null) break;
      this.took = true;
      if (!this.push(chunk)) return;
    }
    if (!this.waiting) {
      this.waiting = true;
      source.once('readable', onSourceReadable);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    callback(error);
  }

  /** The source has data again (its `readable`, asked for by `_read`). */
  sourceReadable(): void {
    this.waiting = false;
    this._read();
  }

  private detach(): void {
    const source = this.source as Source;
    source.removeListener('end', onSourceEnd);
    source.removeListener('close', onSourceClose);
    if (this.waiting) source.removeListener('readable', onSourceReadable);
    this.waiting = false;
    if (source[RELAY] === this) source[RELAY] = undefined;
  }
}

/** Where a source keeps the relay it feeds, and whether its error listener is on. */
const RELAY = Symbol('fleetgate.bodyRelay');
const ERROR_LISTENED = Symbol('fleetgate.bodyRelayErrorListener');
type Source = Readable & { [RELAY]?: BodyRelay | undefined; [ERROR_LISTENED]?: true };

/** `readable` of a source (`this`). */
function onSourceReadable(this: Source): void {
  this[RELAY]?.sourceReadable();
}

/** `end` of a source: its relay ends too. */
function onSourceEnd(this: Source): void {
  this[RELAY]?.push(null);
}

/** `error` of a source: its relay (if any) is destroyed with the error. */
function onSourceError(this: Source, error: Error): void {
  const relay = this[RELAY];
  if (relay !== undefined && !relay.destroyed) relay.destroy(error);
}

/** `close` of a source: before its end, its relay is destroyed. */
function onSourceClose(this: Source): void {
  const relay = this[RELAY];
  if (relay !== undefined && !this.readableEnded) relay.destroy(this.errored ?? new BodyClosedError());
}

/** The client's body closed before its end (the client went away). */
export class BodyClosedError extends Error {
  readonly code = 'GW_BODY_CLOSED';
  constructor() {
    super('request body closed before its end');
  }
}

/**
 * Ends a streamed request body no attempt will read any more, as undici does with the body it was
 * given: a client request is destroyed without its socket, so the rest of its upload is parsed and
 * dropped and the connection stays usable once the answer is written.
 */
export function releaseBody(body: Readable): void {
  if (body.destroyed) return;
  if (body instanceof IncomingMessage) (body as { socket: unknown }).socket = null;
  body.destroy();
}
