import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from './errors.ts';

/** Counts a chunked request body and fails it past the limit (bodies with a length are checked up front). */
export class BodyLimit extends Transform {
  private seen = 0;
  exceeded = false;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
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
}
