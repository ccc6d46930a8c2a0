import { readSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Request header the fault load puts on every request: its sequence number. */
export const SEQ_HEADER = 'x-fault-seq';

interface Conn {
  down: Socket;
  up: Socket | undefined;
  scan: string;
  /** Sequence number of the request this connection carries that has no response byte yet. */
  pending: number | undefined;
}

/**
 * A host address in front of a real executor: a TCP relay that records the sequence number of every
 * request that reached the host (the `x-fault-seq` header) and whether any response byte came back.
 * It is the ground truth of "was this request sent?" for the fault tests, independent of the gateway.
 * With no upstream it is a black hole: it accepts, reads and never answers.
 */
export class RecordingHost {
  /** Requests whose header reached this host. */
  readonly seen = new Set<number>();
  /** Requests that got at least one response byte back. */
  readonly answered = new Set<number>();
  /** Connections accepted so far. */
  accepted = 0;
  private readonly conns = new Set<Conn>();
  private server: Server | undefined;
  port = 0;
  /** Milliseconds each upstream response chunk is held back (a slow host). */
  delayMs = 0;
  /** When true the host still accepts and reads, but forwards nothing and answers nothing. */
  frozen = false;
  /** Everything clients sent, as latin1 text (kept only when `keepTranscript`; capped at 4 MiB). */
  transcript = '';
  keepTranscript = false;
  /** Set by `crash()`: the host is dead; it reads and records what reaches it, forwards nothing. */
  private crashed = false;
  /** Requests on connections that closed while `crash()` was draining, with no response byte. */
  private readonly lostInCrash = new Set<number>();

  constructor(private readonly upstreamPort: number | undefined) {}

  /** `127.0.0.1:<port>` */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: any free port). */
  async listen(port = 0): Promise<void> {
    const server = createServer((down) => this.accept(down));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    this.crashed = false;
    this.lostInCrash.clear();
  }

  /** Requests on this host that had no response byte yet. */
  inFlight(): number[] {
    return [...this.conns].flatMap((c) => (c.pending === undefined ? [] : [c.pending]));
  }

  /** Requests that reached this host and never got a response byte. */
  unanswered(): number[] {
    return [...this.seen].filter((s) => !this.answered.has(s)).sort((a, b) => a - b);
  }

  /** Stops accepting connections (the port is closed at once); open ones keep working. */
  stopAccepting(): void {
    this.server?.close();
    this.server = undefined;
  }

  /**
   * What the gateway sees when the host machine dies: every connection reset, the port closed.
   * Resolves with the requests that were in flight on it: every request whose bytes reached this host
   * and got no response byte. Nothing the gateway sent before the resets goes unrecorded: from the
   * call on nothing is forwarded either way; each open connection's unread bytes are read
   * synchronously and recorded right before it is reset (the gateway may have written a request on
   * an idle connection that the event loop has not read yet); the listener stays open until its backlog
   * is empty, so that connections already in its backlog are accepted, read and reset the same
   * way instead of being dropped unseen by the close.
   */
  async crash(): Promise<number[]> {
    this.crashed = true;
    const inFlight = new Set<number>();
    const resetAll = () => {
      for (const c of this.conns) {
        // The executor side is gone: no response byte goes back, and no upstream event (the
        // executor dying under it) resets the client connection before it is drained.
        c.up?.destroy();
        c.up = undefined;
        this.drainSync(c);
        if (c.pending !== undefined) inFlight.add(c.pending);
        c.down.resetAndDestroy();
      }
      this.conns.clear();
    };
    resetAll();
    if (this.server) {
      // Node accepts one connection per event-loop turn: turn until two turns in a row accept
      // nothing, so the whole backlog is accepted, read and reset.
      // Bounded: a gateway reconnecting at once must not keep a dead host listening.
      const until = Date.now() + 1_000;
      for (let quiet = 0; quiet < 2 && Date.now() < until; ) {
        const before = this.accepted;
        await new Promise<void>((resolve) => setImmediate(resolve));
        quiet = this.accepted === before ? quiet + 1 : 0;
      }
      this.server?.close();
      this.server = undefined;
      resetAll();
    }
    for (const s of this.lostInCrash) inFlight.add(s);
    return [...inFlight].sort((a, b) => a - b);
  }

  /** Reads and records what the kernel holds for `conn` that the event loop has not read yet. */
  private drainSync(conn: Conn): void {
    if (conn.down.destroyed) return;
    const fd = (conn.down as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0)
      throw new Error('crash(): no file descriptor on a relay socket (Node internals changed?)');
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'ECONNRESET') return;
        throw error;
      }
      if (n === 0) return;
      this.record(conn, buf.subarray(0, n));
    }
  }

  /** Closes the port and every connection. */
  async close(): Promise<void> {
    for (const c of this.conns) {
      c.up?.destroy();
      c.down.destroy();
    }
    this.conns.clear();
    this.stopAccepting();
  }

  private accept(down: Socket): void {
    this.accepted++;
    const conn: Conn = { down, up: undefined, scan: '', pending: undefined };
    this.conns.add(conn);
    const drop = () => {
      if (this.crashed && conn.pending !== undefined) this.lostInCrash.add(conn.pending);
      this.conns.delete(conn);
      conn.up?.destroy();
      down.destroy();
    };
    down.on('error', drop);
    down.on('close', drop);
    if (this.upstreamPort !== undefined && !this.crashed) {
      const up = createConnection(this.upstreamPort, '127.0.0.1');
      conn.up = up;
      up.on('data', (chunk: Buffer) => {
        if (this.frozen) return;
        if (conn.pending !== undefined) {
          this.answered.add(conn.pending);
          conn.pending = undefined;
        }
        if (this.delayMs > 0) {
          up.pause();
          setTimeout(() => {
            if (!down.destroyed) down.write(chunk);
            up.resume();
          }, this.delayMs);
        } else if (!down.destroyed) down.write(chunk);
      });
      // The executor went away: the client sees a reset, as from a dead machine.
      up.on('error', () => {
        this.conns.delete(conn);
        down.resetAndDestroy();
      });
      up.on('end', () => down.end());
    }
    down.on('data', (chunk: Buffer) => {
      this.record(conn, chunk);
      if (!this.frozen && !this.crashed && conn.up && !conn.up.destroyed) conn.up.write(chunk);
    });
  }

  private record(conn: Conn, chunk: Buffer): void {
    if (this.keepTranscript && this.transcript.length < 4 * 1024 * 1024)
      this.transcript += chunk.toString('latin1');
    // Headers may straddle chunks: keep a short tail of what was not matched yet.
    conn.scan += chunk.toString('latin1');
    const pattern = new RegExp(`${SEQ_HEADER}: (\\d+)\\r\\n`, 'gi');
    let end = -1;
    for (let m = pattern.exec(conn.scan); m; m = pattern.exec(conn.scan)) {
      const seq = Number(m[1]);
      this.seen.add(seq);
      conn.pending = seq;
      end = m.index + m[0].length;
    }
    conn.scan = end >= 0 ? conn.scan.slice(end).slice(-64) : conn.scan.slice(-64);
  }
}

/** A host that accepts connections, reads requests and never answers (for upstream timeouts). */
export async function startBlackHole(): Promise<RecordingHost> {
  const host = new RecordingHost(undefined);
  await host.listen();
  return host;
}

/** A recording relay in front of the executor listening on `upstreamPort`. */
export async function startRecordingHost(upstreamPort: number): Promise<RecordingHost> {
  const host = new RecordingHost(upstreamPort);
  await host.listen();
  return host;
}
