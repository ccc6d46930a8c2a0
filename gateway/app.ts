import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import type { Registry } from 'prom-client';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway.ts';
import type { HostRegistry } from '../registry/types.ts';
import { bearerChecker, soleAuthorization } from './auth.ts';
import { errorAnswer, writeErrorAnswer } from './error-response.ts';
import { GatewayError } from './errors.ts';
import { Fleet } from './fleet.ts';
import { FleetView } from './fleet-view.ts';
import { HealthChecker } from './health-checker.ts';
import { isLegacyAlgorithm } from './legacy-order.ts';
import { fleetReport, RequestMetrics, refreshStateGauges } from './observe.ts';
import { type GatewayOptions, type GatewayOptionsInput, resolveGatewayOptions } from './options.ts';
import { PlacementMap } from './placement.ts';
import { PlacementSync } from './placement-sync.ts';
import { type ProxyDeps, type ProxyResult, proxyRequest } from './proxy.ts';

/** What the gateway is built from; tests pass fakes or real parts alike. */
export interface GatewayDeps {
  /** The host registry; absent for a static pool (`OPR_PROXY_EXECUTORS` only). */
  registry?: HostRegistry | undefined;
  clock: Clock;
  logger: Logger;
  metricsRegistry: Registry;
  options: GatewayOptionsInput;
  /** Registry pool this gateway routes to. */
  pool?: string;
  /** Uniform in [0, 1) for power-of-two choices; seed it in tests. */
  random?: () => number;
}

/** A built gateway: the Hono app plus its lifecycle. */
export interface Gateway {
  app: Hono<{ Bindings: HttpBindings }>;
  options: GatewayOptions;
  fleet: Fleet;
  view: FleetView;
  placement: PlacementMap;
  health: HealthChecker;
  sync: PlacementSync;
  metrics: GatewayMetrics;
  /** Loads the fleet and starts the health checker, the placement resync and the registry watch. */
  start(): Promise<void>;
  /** Stops the loops and closes every upstream pool. */
  stop(): Promise<void>;
  /** From now on `/readyz` fails and responses close their connections. */
  beginShutdown(): void;
  /** Requests being handled right now. */
  inflight(): number;
  /**
   * The forwarding path without the Hono layer, for the server's fast path: the same proxy code and
   * the same error mapping (`errorAnswer`) as the app's catch-all route. Never rejects.
   */
  handleForward(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether the app forwards this request (its catch-all route) rather than answering it itself. */
  forwards(req: IncomingMessage): boolean;
  /**
   * Whether a request with `Expect: 100-continue` may be told to send its body: one Authorization
   * header holding the gateway secret or the admin token, and a Content-Length within the body
   * limit. Otherwise it is answered without ever inviting the body.
   */
  mayContinue(req: IncomingMessage): boolean;
  /** Whether `/readyz` would answer 200, and why not. */
  readiness(): { ready: boolean; reasons: string[] };
}

type Env = { Bindings: HttpBindings };

/** The paths the gateway answers itself, on GET (and HEAD); every other request is forwarded. */
const OWN_PATHS = {
  proxyHealth: '/v1/proxy/health',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  fleet: '/v1/fleet',
} as const;
const OWN_PATH_SET = new Set<string>(Object.values(OWN_PATHS));

/** Sets prom-client's optional `collect` hook on a metric built by `buildMetrics`. */
function setCollect(metric: object, collect: () => void): void {
  (metric as { collect?: () => void }).collect = collect;
}

/** Builds the gateway: auth, runtime-aware routing, forwarding, health, placement, fleet view, metrics. */
export function createGateway(deps: GatewayDeps): Gateway {
  const options = resolveGatewayOptions(deps.options);
  const pool = deps.pool ?? 'default';
  const logger = deps.logger.child({ component: 'gateway' });
  const metrics = createGatewayMetrics(deps.metricsRegistry);
  const requestMetrics = new RequestMetrics(metrics);
  // prom-client calls a metric's `collect` whenever the registry is read: pending counts and the
  // state gauges are brought up to date then, whoever reads it (/metrics or an embedding process).
  setCollect(metrics.requests, () => requestMetrics.flush());
  setCollect(metrics.picks, () => requestMetrics.flush());
  // On the first state gauge of the table, so every later one is read after the refresh.
  setCollect(metrics.inflight, () =>
    refreshStateGauges(
      metrics,
      fleet,
      view,
      placement,
      deps.registry !== undefined,
      deps.registry?.nodes?.(),
    ),
  );
  const placement = new PlacementMap(options.placement.maxEntries);
  const healthPolicy = {
    ejectAfter: options.healthCheck.ejectAfter,
    interval: options.healthCheck.interval,
    backoffMin: options.healthCheck.probeBackoff.min,
    backoffMax: options.healthCheck.probeBackoff.max,
  };
  const fleet = new Fleet({
    logger,
    now: () => deps.clock.now(),
    health: healthPolicy,
    // Connect timeout: a host that does not accept a connection in 5 s is as good as down.
    pool: { connectTimeout: Math.min(5_000, options.maxTimeout), keepAliveTimeout: 4_000 },
    onRemove: (id) => placement.removeHost(id),
  });
  const view = new FleetView({
    fleet,
    registry: deps.registry,
    pool,
    staticHosts: options.executors,
    clock: deps.clock,
    logger,
    reloadInterval: options.registryReloadInterval,
  });
  const health = new HealthChecker({
    fleet,
    clock: deps.clock,
    logger,
    metrics,
    placement,
    policy: healthPolicy,
    timeout: options.healthCheck.timeout,
  });
  const sync = new PlacementSync({
    fleet,
    placement,
    logger,
    authorization: `Bearer ${options.executorSecret}`,
    interval: options.placement.resyncInterval,
    timeout: Math.max(options.healthCheck.timeout, 5_000),
  });
  const authorized = bearerChecker(options.secret);
  const adminAuthorized = bearerChecker(options.adminToken);
  const metricsAuthorized = bearerChecker(options.metricsToken);
  let shuttingDown = false;
  let inflight = 0;
  const proxyDeps: ProxyDeps = {
    fleet,
    health,
    placement,
    metrics,
    hot: requestMetrics,
    options,
    logger,
    random: deps.random ?? Math.random,
    authorized,
    upstreamAuthorization: `Bearer ${options.executorSecret}`,
    legacyAlgorithm: isLegacyAlgorithm(options.algorithm) ? options.algorithm : undefined,
    legacyTurn: { value: 0 },
    shuttingDown: () => shuttingDown,
    buffered: { bytes: 0 },
  };

  const readiness = () => {
    const reasons: string[] = [];
    if (shuttingDown) reasons.push('shutting down');
    // A short registry outage (a Redis failover) is not a reason to take every gateway out of the
    // load balancer at once: they route on their last view, and registry_stale_seconds shows it.
    if (deps.registry && view.lastOkAt === undefined)
      reasons.push('registry unreachable and never read: no fleet view yet');
    else if (deps.registry && view.unreachableMs() > options.registryGrace) {
      reasons.push(
        `registry unreachable for over ${options.registryGrace / 1000} s (gateway.registryGrace): routing on the last fleet view`,
      );
    }
    if (!fleet.hosts.some((h) => h.state === 'active' && h.healthy)) reasons.push('no healthy active host');
    return { ready: reasons.length === 0, reasons };
  };

  const app = new Hono<Env>();
  app.get(OWN_PATHS.proxyHealth, (c) => c.text('OK'));
  app.get(OWN_PATHS.healthz, (c) => c.json({ status: 'ok' }));
  app.get(OWN_PATHS.readyz, (c) => {
    const r = readiness();
    return c.json(
      { ready: r.ready, reasons: r.reasons, registry: registryState(), hosts: fleet.hosts.length },
      r.ready ? 200 : 503,
    );
  });
  app.get(OWN_PATHS.metrics, async (c) => {
    if (options.metricsToken !== '' && !metricsAuthorized(authorizationOf(c))) {
      throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect metrics token.');
    }
    return c.body(await deps.metricsRegistry.metrics(), 200, {
      'content-type': deps.metricsRegistry.contentType,
    });
  });
  app.get(OWN_PATHS.fleet, (c) => {
    const header = authorizationOf(c);
    if (!authorized(header) && !adminAuthorized(header)) {
      throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect proxy key.');
    }
    return c.json(fleetReport(fleet, view, placement, pool));
  });
  const accessLog = logger.isLevelEnabled('debug');
  /** Forwards one request; throws a GatewayError before anything was written. Records the metrics. */
  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const result: ProxyResult = { route: 'other', addressing: 'unknown', host: undefined, tries: 0 };
    inflight += 1;
    let status = 0;
    try {
      await proxyRequest(proxyDeps, req, res, result);
      status = res.statusCode;
    } catch (error) {
      status = error instanceof GatewayError ? error.status : 500;
      throw error;
    } finally {
      inflight -= 1;
      const seconds = (performance.now() - started) / 1000;
      const method = req.method ?? 'GET';
      requestMetrics.record(result.route, method, status, result.addressing, seconds);
      if (accessLog) {
        // The access log: one debug line per forwarded request (never headers: they hold secrets).
        logger.debug(
          {
            method,
            route: result.route,
            status,
            addressing: result.addressing,
            host: result.host,
            tries: result.tries,
            ms: Math.round(seconds * 1000),
          },
          'request',
        );
      }
    }
  }

  app.all('*', async (c) => {
    await forward(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  app.onError((error, c) => {
    const answer = errorAnswer(error, options.version, options.env);
    if (answer.unexpected) logger.error({ err: error }, 'unexpected error');
    else if (answer.status >= 500) logger.debug({ err: (error as Error).message }, 'request failed');
    return c.json(answer.body, answer.status as 400);
  });

  function registryState(): 'none' | 'ok' | 'unreachable' {
    if (!deps.registry) return 'none';
    return view.stale() ? 'unreachable' : 'ok';
  }

  return {
    app,
    options,
    fleet,
    view,
    placement,
    health,
    sync,
    metrics,
    async start() {
      if (options.secret === '') logger.warn('no gateway secret configured: every client request is refused');
      await view.start();
      health.start();
      sync.start();
      logger.info({ pool, hosts: fleet.hosts.length }, 'gateway started');
    },
    async stop() {
      view.stop();
      health.stop();
      sync.stop();
      await fleet.close();
    },
    beginShutdown() {
      shuttingDown = true;
    },
    inflight: () => inflight,
    handleForward(req, res) {
      return forward(req, res).catch((error: unknown) => {
        const answer = errorAnswer(error, options.version, options.env);
        if (answer.unexpected) logger.error({ err: error }, 'unexpected error');
        writeErrorAnswer(res, answer, shuttingDown);
      });
    },
    forwards(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return true;
      const url = req.url ?? '/';
      // The path as Hono routes it (percent-decoded, no query); absolute-form targets keep their path.
      const path = getPath({ url: url.startsWith('/') ? `http://gateway${url}` : url } as Request);
      return !OWN_PATH_SET.has(path);
    },
    mayContinue(req) {
      const header = soleAuthorization(req.rawHeaders);
      if (!authorized(header) && !adminAuthorized(header)) return false;
      const length = req.headers['content-length'];
      return length === undefined || Number(length) <= options.bodyLimit;
    },
    readiness,
  };
}

/** The one Authorization header of a request served by Node (see soleAuthorization). */
function authorizationOf(c: {
  env: HttpBindings | undefined;
  req: { header(name: string): string | undefined };
}) {
  const raw = c.env?.incoming?.rawHeaders;
  return raw === undefined ? c.req.header('authorization') : soleAuthorization(raw);
}
