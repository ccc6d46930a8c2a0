import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../errors.ts';

/**
 * How long a client that went over the limit may keep uploading (its bytes dropped) after the 413
 * before its connection is cut; nginx's `lingering_time` default.
 */
export const LINGER_MS = 30_000;

/** Counts a chunked request body and fails it past the limit (bodies with a length are checked up front). */
export class BodyLimit extends Transform {
  private seen = 0;
  exceeded = false;
  constructor(
    readonly limit: number,
    /** The request body this limits, read again by `discardRest`. */
    private readonly source: Readable,
  ) {
    super();
    source.pipe(this);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      // Detach now rather than when the error event reaches the pipe, so discardRest is not undone.
      this.source.unpipe(this);
      callback(
        new GatewayError(
          'GW_BODY_TOO_LARGE',
          `Request body is larger than the limit of ${this.limit} bytes.`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }

  /**
   * After the limit failed the body, the client may still be uploading, and the failed pipe left the
   * request paused: its upload would stall, then end in a reset that can swallow the 413. Reads and
   * drops the rest instead, so the client gets the 413 and the connection stays usable once the body
   * has ended; a body that has not ended within `lingerMs` gets its connection cut.
   */
  discardRest(lingerMs: number = LINGER_MS): void {
    const source = this.source as Readable & { complete?: boolean; socket?: { destroy(): void } };
    if (source.readableEnded || source.destroyed) return;
    const timer = setTimeout(() => source.socket?.destroy(), lingerMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    source.once('end', done);
    source.once('close', done);
    source.on('data', drop);
    source.resume();
  }
}

function drop(): void {}
