import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * One attempt's view of a streamed request body. undici destroys the body it is given when the
 * attempt ends; this relay is what it destroys, so the client's request survives for the next host.
 * It pulls chunks from the source only on demand (backpressure as before) and records whether it took
 * any: an attempt that took none and wrote nothing may go to another host with a fresh relay.
 */
export class BodyRelay extends Readable {
  /** A chunk was taken from the source: it belongs to this attempt, whether or not it was written. */
  took = false;
  private waiting = false;

  constructor(private readonly source: Readable) {
    super();
    source.on('end', this.onEnd);
    source.on('error', this.onError);
    source.on('close', this.onClose);
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
      source.once('readable', this.onReadable);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    callback(error);
  }

  private detach(): void {
    const source = this.source;
    source.removeListener('end', this.onEnd);
    // The error listener stays: a client request that errors later must not be an unhandled error.
    source.removeListener('close', this.onClose);
    if (this.waiting) source.removeListener('readable', this.onReadable);
    this.waiting = false;
  }

  private readonly onReadable = (): void => {
    this.waiting = false;
    this._read();
  };

  private readonly onEnd = (): void => {
    this.push(null);
  };

  private readonly onError = (error: Error): void => {
    if (!this.destroyed) this.destroy(error);
  };

  private readonly onClose = (): void => {
    const source = this.source;
    if (!source.readableEnded) this.destroy(source.errored ?? new BodyClosedError());
  };
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
