import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../lib/logger.ts';
import { errorKind } from '../lib/network-errors.ts';
import { MAX_REQUEST_HEADERS, pathProblem } from '../lib/request-rules.ts';
import type { GatewayMetrics } from '../metrics/gateway.ts';
import { readBoundedBody, runtimeIdFromBody } from './body-key.ts';
import { BodyLimit } from './body-limit.ts';
import { answerBroadcast } from './broadcast.ts';
import { GatewayError } from './errors.ts';
import type { Fleet } from './fleet.ts';
import { forwardOnce } from './forward.ts';
import { readRequestHeaders } from './headers.ts';
import type { HealthChecker } from './health-checker.ts';
import { isRuntimeWork, learn } from './learn.ts';
import { type LegacyAlgorithm, legacyOrder } from './legacy-order.ts';
import type { RequestMetrics } from './observe.ts';
import type { GatewayOptions } from './options.ts';
import { type PickResult, pick } from './pick.ts';
import type { PlacementMap } from './placement.ts';
import {
  type AddressingMethod,
  assertRuntimeId,
  classifyPath,
  parseAddressing,
  type RouteInfo,
} from './route.ts';

/** Dependencies of the forwarding path. */
export interface ProxyDeps {
  fleet: Fleet;
  health: HealthChecker;
  placement: PlacementMap;
  metrics: GatewayMetrics;
  /** Cached metric children for the per-request path. */
  hot: RequestMetrics;
  options: GatewayOptions;
  logger: Logger;
  /** Uniform in [0, 1); seeded in tests. */
  random: () => number;
  /** `Bearer <executor secret>`, sent upstream in place of the client's Authorization. */
  upstreamAuthorization: string;
  /** Checks the client's Authorization header. */
  authorized: (authorization: string | undefined) => boolean;
  /**
   * open-runtimes/proxy's algorithm for requests without a runtime key (explicit anycast-fast stays
   * power of two choices); undefined: power of two choices.
   */
  legacyAlgorithm: LegacyAlgorithm | undefined;
  /** Round-robin counter of the legacy algorithm. */
  legacyTurn: { value: number };
  /** Whether the gateway is shutting down (responses then close their connection). */
  shuttingDown: () => boolean;
  /** Bytes reserved by bodies buffered right now (creates without an id header, broadcasts). */
  buffered: { bytes: number };
}

/**
 * Bodies buffered at once, in multiples of the body limit (88 MiB at the default 22 MiB): past it
 * a request that must be buffered gets a 503 instead of more memory (issue 18: eight concurrent
 * 22 MiB creates took the gateway from 93 to 441 MiB).
 */
export const BUFFERED_BODIES = 4;

/** What the proxy reports back for metrics, once per request. */
export interface ProxyResult {
  route: string;
  addressing: AddressingMethod | 'unknown';
  /** The host that answered (or the last one tried), for the access log. */
  host: string | undefined;
  /** Hosts tried. */
  tries: number;
}

/**
 * Forwards one request (already past the gateway's own endpoints): auth, runtime key, addressing,
 * pick, forward with failover, learn. Resolves once the response is complete, having written it to
 * `res` itself, or throws a GatewayError before anything was written (answered by the one onError).
 * `result` is filled in as soon as the route and addressing are known, for the request metrics.
 */
export async function proxyRequest(
  deps: ProxyDeps,
  req: IncomingMessage,
  res: ServerResponse,
  result: ProxyResult,
): Promise<void> {
  const url = req.url ?? '';
  if (url.charCodeAt(0) !== 47 /* / */)
    throw new GatewayError('GW_BAD_PATH', 'The request target must be a path.');
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const info = classifyPath(path);
  result.route = info.route;
  const opts = deps.options;
  if (req.rawHeaders.length > MAX_REQUEST_HEADERS * 2) {
    throw new GatewayError(
      'GW_TOO_MANY_HEADERS',
      `The request has more than ${MAX_REQUEST_HEADERS} headers.`,
    );
  }
  const h = readRequestHeaders(
    req.rawHeaders,
    deps.upstreamAuthorization,
    req.socket.remoteAddress ?? '',
    'http',
  );
  if (h.repeated === 'authorization')
    throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect proxy key: send one Authorization header.');
  if (!deps.authorized(h.authorization)) throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect proxy key.');
  if (h.repeated !== undefined)
    throw new GatewayError('GW_BAD_HEADERS', `The header ${h.repeated} must be sent at most once.`);
  // Checked where the executor checks it, so both read the same runtime id from the path.
  const problem = pathProblem(path);
  if (problem !== undefined) throw new GatewayError('GW_BAD_PATH', `Invalid path: ${problem}.`);
  const addressing = parseAddressing(h.addressing);
  result.addressing = addressing;

  if (info.pathRuntimeId !== undefined) assertRuntimeId(info.pathRuntimeId, 'the path');
  let key: string | undefined;
  if (h.runtimeId !== undefined && h.runtimeId !== '') key = assertRuntimeId(h.runtimeId, 'x-opr-runtime-id');
  else key = info.pathRuntimeId;

  if (h.contentLength !== undefined && Number(h.contentLength) > opts.bodyLimit) {
    throw new GatewayError(
      'GW_BODY_TOO_LARGE',
      `Request body is larger than the limit of ${opts.bodyLimit} bytes.`,
    );
  }
  const method = req.method ?? 'GET';
  const hasBody = h.chunked || (h.contentLength !== undefined && h.contentLength !== '0');
  let body: Readable | Buffer | null = null;
  if (
    addressing === 'broadcast' ||
    (key === undefined && method === 'POST' && info.route === '/v1/runtimes')
  ) {
    // Reserve what the body may take (its length, or the limit when chunked) before reading it.
    const reserve = hasBody ? Math.min(opts.bodyLimit, Number(h.contentLength ?? opts.bodyLimit)) : 0;
    if (deps.buffered.bytes + reserve > BUFFERED_BODIES * opts.bodyLimit) {
      throw new GatewayError('GW_BUSY', 'Too many large request bodies in flight; retry shortly.');
    }
    deps.buffered.bytes += reserve;
    try {
      return await forwardBuffered(deps, req, res, result, {
        info,
        key,
        addressing,
        h,
        method,
        url,
        hasBody,
      });
    } finally {
      deps.buffered.bytes -= reserve;
    }
  }
  if (hasBody) body = h.chunked ? new BodyLimit(opts.bodyLimit, req) : req;
  if (deps.shuttingDown()) res.shouldKeepAlive = false;
  await forwardWithFailover(
    deps,
    { method, url, info, key, addressing, headers: h.forward, body },
    res,
    result,
  );
}

/** A request whose body the gateway reads first: a create without an id header, or a broadcast. */
async function forwardBuffered(
  deps: ProxyDeps,
  req: IncomingMessage,
  res: ServerResponse,
  result: ProxyResult,
  r: {
    info: RouteInfo;
    key: string | undefined;
    addressing: AddressingMethod;
    h: ReturnType<typeof readRequestHeaders>;
    method: string;
    url: string;
    hasBody: boolean;
  },
): Promise<void> {
  const { info, addressing, h, method, url, hasBody } = r;
  const opts = deps.options;
  let key = r.key;
  const body = hasBody ? await readBoundedBody(req, opts.bodyLimit) : null;
  if (key === undefined && body !== null && addressing !== 'broadcast') {
    const fromBody = runtimeIdFromBody(body, h.contentType);
    if (fromBody !== undefined) key = assertRuntimeId(fromBody, 'the body (runtimeId)');
  }
  if (addressing === 'broadcast')
    return answerBroadcast(
      {
        fleet: deps.fleet,
        placement: deps.placement,
        metrics: deps.metrics,
        timeout: opts.broadcastTimeout,
        shuttingDown: deps.shuttingDown,
      },
      { method, url, headers: h.forward, body, key },
      res,
    );
  if (deps.shuttingDown()) res.shouldKeepAlive = false;
  await forwardWithFailover(
    deps,
    { method, url, info, key, addressing, headers: h.forward, body },
    res,
    result,
  );
}

interface Forwardable {
  method: string;
  url: string;
  info: RouteInfo;
  key: string | undefined;
  addressing: 'anycast-efficient' | 'anycast-fast';
  headers: string[];
  body: Readable | Buffer | null;
}

async function forwardWithFailover(
  deps: ProxyDeps,
  r: Forwardable,
  res: ServerResponse,
  result: ProxyResult,
): Promise<void> {
  const { fleet, placement, metrics, options } = deps;
  const key = r.key;
  const picked: PickResult =
    key === undefined && r.addressing === 'anycast-efficient' && deps.legacyAlgorithm !== undefined
      ? legacyPick(deps, deps.legacyAlgorithm)
      : pick({
          key,
          addressing: r.addressing,
          hosts: fleet.hosts,
          ring: fleet.ring,
          isWarm: key === undefined ? never : (hostId) => placement.isWarm(key, hostId),
          loadFactor: options.loadFactor,
          loadFloor: options.loadFloor,
          boundedLoads: options.boundedLoads,
          warmPreference: options.warmPreference,
          random: deps.random,
        });
  deps.hot.picked(picked.reason);
  if (picked.order.length === 0) throw new GatewayError('GW_NO_HOSTS', 'No executor host is available.');
  if (key !== undefined && !picked.warm && isRuntimeWork(r.method, r.info.route))
    metrics.coldRoutes.inc({ host: picked.order[0]! });

  const tries = Math.min(picked.order.length, 1 + Math.max(0, options.retries));
  const isStream = r.info.route === '/v1/runtimes/:runtimeId/logs';
  let lastError: Error | undefined;
  for (let i = 0; i < tries; i++) {
    const host = fleet.byId.get(picked.order[i]!);
    if (host === undefined) continue;
    if (i > 0) metrics.retries.inc();
    result.host = host.id;
    result.tries = i + 1;
    // A log stream stays open for minutes but costs the host almost nothing: it is counted apart so
    // it does not push the runtime's executions off their warm host through the bounded-load cap.
    if (isStream) host.streams += 1;
    else host.inflight += 1;
    const started = performance.now();
    let outcome: Awaited<ReturnType<typeof forwardOnce>>;
    try {
      outcome = await forwardOnce({
        hostId: host.id,
        dispatcher: host.pool,
        method: r.method,
        path: r.url,
        headers: r.headers,
        body: r.body,
        res,
        timeout: options.maxTimeout,
        hostHeader: options.hostHeader,
        peek404: key !== undefined,
        shuttingDown: deps.shuttingDown,
      });
    } finally {
      if (isStream) host.streams -= 1;
      else host.inflight -= 1;
    }
    if (r.body instanceof BodyLimit && r.body.exceeded) {
      if (res.headersSent) return void res.destroy();
      r.body.discardRest();
      throw new GatewayError(
        'GW_BODY_TOO_LARGE',
        `Request body is larger than the limit of ${options.bodyLimit} bytes.`,
      );
    }
    switch (outcome.kind) {
      case 'done':
        deps.hot.upstreamSeconds(host.id, (outcome.headersAt - started) / 1000);
        deps.health.passiveSuccess(host);
        if (key !== undefined)
          learn(placement, r.method, r.info.route, key, host.id, outcome.status, outcome.peek);
        return;
      case 'client-aborted':
        metrics.upstreamErrors.inc({ host: host.id, kind: 'aborted' });
        return;
      case 'broken':
        metrics.upstreamErrors.inc({ host: host.id, kind: errorKind(outcome.error) });
        deps.logger.debug({ host: host.id, err: outcome.error.message }, 'upstream response broke off');
        return;
      case 'connect':
        lastError = outcome.error;
        metrics.upstreamErrors.inc({ host: host.id, kind: 'connect' });
        deps.health.passiveFailure(host, `connect failed: ${errorCode(outcome.error)}`);
        continue;
      case 'failed': {
        const kind = outcome.timeout ? 'timeout' : errorKind(outcome.error);
        metrics.upstreamErrors.inc({ host: host.id, kind });
        if (outcome.timeout) {
          deps.health.passiveFailure(host, 'request timed out');
          throw new GatewayError('GW_UPSTREAM_TIMEOUT', `Executor host ${host.id} did not answer in time.`, {
            cause: outcome.error,
          });
        }
        throw new GatewayError(
          'GW_UPSTREAM_FAILED',
          `Executor host ${host.id} failed: ${errorCode(outcome.error)}.`,
          {
            cause: outcome.error,
          },
        );
      }
    }
  }
  throw new GatewayError('GW_UPSTREAM_CONNECT', `No executor host could be reached (${tries} tried).`, {
    cause: lastError,
  });
}

/** A keyless request under open-runtimes/proxy's OPR_PROXY_ALGORITHM. */
function legacyPick(deps: ProxyDeps, algorithm: LegacyAlgorithm): PickResult {
  const order = legacyOrder(deps.fleet.hosts, algorithm, deps.legacyTurn.value++, deps.random);
  return { order, reason: order.length === 0 ? 'none' : 'p2c', warm: false };
}

function never(): boolean {
  return false;
}

function errorCode(error: Error | undefined): string {
  return (error as { code?: string } | undefined)?.code ?? error?.message ?? 'unknown error';
}
