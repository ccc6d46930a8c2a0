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
   * What the gateway sees when the host machine dies: every connection reset at once, the port closed.
   * Synchronous up to the return value; returns the requests that were in flight at that instant.
   */
  crash(): number[] {
    const inFlight = this.inFlight();
    this.server?.close();
    this.server = undefined;
    for (const c of this.conns) {
      c.up?.destroy();
      c.down.resetAndDestroy();
    }
    this.conns.clear();
    return inFlight;
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
      this.conns.delete(conn);
      conn.up?.destroy();
      down.destroy();
    };
    down.on('error', drop);
    down.on('close', drop);
    if (this.upstreamPort !== undefined) {
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
      if (!this.frozen && conn.up && !conn.up.destroyed) conn.up.write(chunk);
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
