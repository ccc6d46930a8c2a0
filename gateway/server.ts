import { createServer, type Server } from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '../lib/logger.ts';
import type { Gateway } from './app.ts';

/** A gateway listening on a socket. */
export interface RunningGateway {
  server: Server;
  port: number;
  /** Graceful stop: readiness fails, no new connections, in-flight requests finish up to the deadline. */
  close(): Promise<{ drained: boolean }>;
}

/**
 * Connections the kernel holds for the gateway until it accepts them (Linux caps it at
 * `net.core.somaxconn`, 4096 by default since 5.4). Node's default, 511, is too short for a balancer:
 * when the event loop is held up for a moment and clients open connections meanwhile (an open-loop
 * client opens one per request that finds none idle), the queue fills, the kernel drops the SYNs, and
 * each dropped client waits for its retransmission: 1 s, then 3 s, 7 s in all. In bench:routing that
 * turned a busy moment into seconds of latency for hundreds of requests.
 */
export const LISTEN_BACKLOG = 4096;

/** Where and how to listen. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  headersTimeout: number;
  requestTimeout: number;
  shutdownTimeout: number;
}

/**
 * Starts the gateway's loops and serves its one listener (`Gateway.listener`). Slow clients are cut off:
 * `headersTimeout` bounds the time to send the headers (slowloris), `requestTimeout` the whole request.
 */
export async function startGateway(
  gateway: Gateway,
  listen: ListenOptions,
  logger: Logger,
): Promise<RunningGateway> {
  await gateway.start();
  // Node checks those timeouts every `connectionsCheckingInterval` (30 s by default): check often
  // enough that a short headers timeout is enforced close to its value.
  const checkEvery = Math.max(100, Math.min(5_000, Math.floor(listen.headersTimeout / 4)));
  const server = createServer(
    {
      headersTimeout: listen.headersTimeout,
      requestTimeout: listen.requestTimeout,
      connectionsCheckingInterval: checkEvery,
      keepAliveTimeout: 5_000,
    },
    gateway.listener,
  );
  // `Expect: 100-continue`: invite the body only from a client that passed auth and the body limit;
  // any other is answered (401, 413) without reading it, and its connection closes (Node would
  // otherwise send 100 Continue to anyone, issue 18).
  server.on('checkContinue', (req, res) => {
    if (gateway.mayContinue(req)) res.writeContinue();
    else res.shouldKeepAlive = false;
    gateway.listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: listen.port, host: listen.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const connections = trackConnections(server);
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: listen.host, port }, 'gateway listening');

  let closing: Promise<{ drained: boolean }> | undefined;
  const close = () => {
    closing ??= (async () => {
      gateway.beginShutdown();
      // Stops listening, and only that. http.Server#close would also destroy every connection with no
      // request parsed yet, among them connections whose request is still unread in the socket buffer:
      // their clients see a reset for a request they had sent (test/faults/gateway-sigterm.test.ts
      // caught 62 of 226 requests in flight failing that way).
      // Closing the listener resets the connections still in its backlog (the kernel completed their
      // handshake; the client may have written its request): accept them first. Node accepts one
      // connection per event-loop turn, so turn until two turns in a row accept nothing.
      const deadline = Date.now() + listen.shutdownTimeout;
      const lingerUntil = Math.min(deadline, Date.now() + BACKLOG_DRAIN_MAX);
      for (let quiet = 0; quiet < 2 && Date.now() < lingerUntil; ) {
        const before = connections.accepted;
        await new Promise((r) => setImmediate(r));
        quiet = connections.accepted === before ? quiet + 1 : 0;
      }
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      // No closeIdleConnections() while draining: a response that just finished leaves its connection
      // idle, and a keep-alive client may already be writing its next request on it (it would see a
      // reset). Responses during the drain carry `Connection: close` instead. Connections accepted
      // but not read from yet hold requests the gateway has not counted: wait for them too.
      const now = () => Date.now();
      while ((gateway.inflight() > 0 || connections.unread(now())) && now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      const drained = gateway.inflight() === 0;
      if (!drained)
        logger.warn({ inflight: gateway.inflight() }, 'shutdown deadline reached; closing connections');
      server.closeAllConnections();
      await closed;
      // What http.Server#close does beyond stopping the listener (its connection-checking timer).
      server.close(() => {});
      await gateway.stop();
      logger.info({ drained }, 'gateway stopped');
      return { drained };
    })();
    return closing;
  };
  return { server, port, close };
}

/** The longest the listener stays open after a shutdown began, to accept its backlog, ms. */
export const BACKLOG_DRAIN_MAX = 1_000;

/**
 * How long a connection that has sent nothing since it was accepted still counts as carrying a
 * request the drain must wait for, ms; past it, it is an idle preconnect and is closed.
 */
export const UNREAD_CONNECTION_GRACE = 2_000;

const ACCEPTED_AT = Symbol('fleetgate.acceptedAt');
type Accepted = Socket & { [ACCEPTED_AT]: number };

/** Open connections of `server`, to tell whether some were accepted but not read from yet. */
function trackConnections(server: Server): { readonly accepted: number; unread(now: number): boolean } {
  const open = new Set<Accepted>();
  let accepted = 0;
  // One listener per server, none per connection beyond the set entry.
  function forget(this: Accepted): void {
    open.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    const s = socket as Accepted;
    s[ACCEPTED_AT] = Date.now();
    accepted++;
    open.add(s);
    s.once('close', forget);
  });
  return {
    get accepted() {
      return accepted;
    },
    unread(now) {
      for (const s of open)
        if (s.bytesRead === 0 && !s.destroyed && now - s[ACCEPTED_AT] < UNREAD_CONNECTION_GRACE) return true;
      return false;
    },
  };
}
