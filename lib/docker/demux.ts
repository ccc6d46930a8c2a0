/**
 * The engine multiplexes a non-TTY container's stdout and stderr into frames of an 8-byte header
 * (stream byte 1 or 2, three zero bytes, big-endian length) and the payload. Pure: feed chunks in,
 * get each stream's bytes out; a frame split across chunks is kept until it is whole.
 */
export class LogDemuxer {
  #pending: Buffer = Buffer.alloc(0);
  readonly #onData: (stream: 'stdout' | 'stderr', data: Buffer) => void;

  constructor(onData: (stream: 'stdout' | 'stderr', data: Buffer) => void) {
    this.#onData = onData;
  }

  /** Feeds one chunk of the multiplexed stream. */
  push(chunk: Buffer): void {
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const kind = buf[0] === 2 ? 'stderr' : 'stdout';
      if (size > 0) this.#onData(kind, buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.#pending = Buffer.from(buf);
  }
}

/** Splits a whole multiplexed log body into its stdout and stderr text. */
export function demuxLogs(body: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  new LogDemuxer((stream, data) => (stream === 'stderr' ? err : out).push(data)).push(body);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
