import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
} from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from '../lib/logger.ts';
import type { Gateway } from './app.ts';

/** A gateway listening on a socket. */
export interface RunningGateway {
  server: Server;
  port: number;
  /** Graceful stop: readiness fails, no new connections, in-flight requests finish up to the deadline. */
  close(): Promise<{ drained: boolean }>;
}

/** Where and how to listen. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  headersTimeout: number;
  requestTimeout: number;
  shutdownTimeout: number;
  /**
   * Serve executor routes (`/v1/runtimes…`) straight from the Node request listener with the same
   * proxy code and error mapping, skipping the Hono request/context layer (default true). With it,
   * `npm run bench:overhead` (bench/results/overhead.md, 2026-11-28 14:32 UTC) measured 34.9 µs of
   * proxy CPU per request against 31.4 µs for a bare node:http + undici forwarder (1.11×). That
   * benchmark does not run the Hono path; compare it with `fleetgate gateway --no-fast-path`.
   */
  fastPath?: boolean;
}

const FAST_PREFIX = '/v1/runtimes';

/**
 * Starts the gateway's loops and serves its app on @hono/node-server. Slow clients are cut off:
 * `headersTimeout` bounds the time to send the headers (slowloris), `requestTimeout` the whole request.
 */
export async function startGateway(
  gateway: Gateway,
  listen: ListenOptions,
  logger: Logger,
): Promise<RunningGateway> {
  await gateway.start();
  // Hono answers HEAD by running the GET route and rebuilding its Response without a body, which
  // loses the "already sent" marker of a forwarded request: @hono/node-server would then write the
  // headers again (ERR_HTTP_HEADERS_SENT on stderr). Forwarded HEAD requests never go through Hono.
  const forwardedHead = (req: IncomingMessage) => req.method === 'HEAD' && gateway.forwards(req);
  // Node checks those timeouts every `connectionsCheckingInterval` (30 s by default): check often
  // enough that a short headers timeout is enforced close to its value.
  const checkEvery = Math.max(100, Math.min(5_000, Math.floor(listen.headersTimeout / 4)));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: gateway.app.fetch,
        createServer: ((serverOptions: ServerOptions, honoListener: RequestListener) =>
          createServer(
            serverOptions,
            listen.fastPath === false
              ? (req, res) => {
                  if (forwardedHead(req)) void gateway.handleForward(req, res);
                  else honoListener(req, res);
                }
              : (req, res) => {
                  // Requests still arriving on kept-alive connections during a drain are served, and
                  // their connection closes after the answer.
                  if (closing !== undefined) res.shouldKeepAlive = false;
                  if (req.url?.startsWith(FAST_PREFIX) || forwardedHead(req))
                    void gateway.handleForward(req, res);
                  else honoListener(req, res);
                },
          )) as typeof createServer,
        hostname: listen.host,
        port: listen.port,
        serverOptions: {
          headersTimeout: listen.headersTimeout,
          requestTimeout: listen.requestTimeout,
          connectionsCheckingInterval: checkEvery,
          keepAliveTimeout: 5_000,
        },
      },
      () => resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
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
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const deadline = Date.now() + listen.shutdownTimeout;
      // Let the event loop read what accepted connections already hold before counting what is in flight.
      await new Promise((r) => setTimeout(r, 25));
      // No closeIdleConnections() while draining: a response that just finished leaves its connection
      // idle, and a keep-alive client may already be writing its next request on it (it would see a
      // reset). Responses during the drain carry `Connection: close` instead.
      while (gateway.inflight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
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
