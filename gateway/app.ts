import type { IncomingMessage, RequestListener } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway.ts';
import type { HostRegistry } from '../registry/types.ts';
import { Activator } from './activator/activator.ts';
import { bearerChecker, soleAuthorization } from './auth.ts';
import { Balancer } from './balancer/balancer.ts';
import { isLegacyAlgorithm } from './balancer/legacy-order.ts';
import { createErrorAnswerer } from './error-response.ts';
import { GatewayError } from './errors.ts';
import { Fleet } from './hosts/fleet.ts';
import { FleetView } from './hosts/fleet-view.ts';
import { HealthChecker } from './hosts/health-checker.ts';
import { HealthcheckUrl } from './hosts/healthcheck-url.ts';
import { PlacementMap } from './hosts/placement.ts';
import { PlacementSync } from './hosts/placement-sync.ts';
import { Keeper } from './lifetime/keeper.ts';
import { sharedKeeping } from './lifetime/shared-from-registry.ts';
import { scaleKeepWarm } from './lifetime/time-scale.ts';
import { fleetReport, RequestMetrics, refreshStateGauges } from './observe.ts';
import { type GatewayOptions, type GatewayOptionsInput, resolveGatewayOptions } from './options.ts';
import { answersItself, OWN_PATHS } from './own-paths.ts';
import { createForwarder } from './proxy/forward.ts';
import { createPipeline, type Pipeline } from './proxy/pipeline.ts';

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
  /** Told when a request starts waiting for a host (`fleetgate dev`: its scaler ticks at once). */
  onDemand?: () => void;
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
  balancer: Balancer;
  activator: Activator;
  /**
   * The one request listener: the gateway's own paths (health, readiness, metrics, fleet) to the Hono
   * app, every other request to the forwarding pipeline. Never rejects.
   */
  listener: RequestListener;
  /** Loads the fleet and starts the health checker, the placement resync and the registry watch. */
  start(): Promise<void>;
  /** Stops the loops and closes every upstream pool. */
  stop(): Promise<void>;
  /** From now on `/readyz` fails and responses close their connections. */
  beginShutdown(): void;
  /** Forwarded requests being handled right now. */
  inflight(): number;
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
  let activator: Activator | undefined;
  let keeperRef: Keeper | undefined;
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
    // The static hosts are applied while the view is built, before the activator exists.
    onChange: () => {
      activator?.fleetChanged();
      // Warm handoff: a keep-warm pass right away rather than at the next tick.
      keeperRef?.kick();
    },
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
    authorization: options.executorSecret ? `Bearer ${options.executorSecret}` : undefined,
    heartbeat: options.healthCheck.url
      ? new HealthcheckUrl(
          options.healthCheck.url,
          options.healthCheck.interval,
          Math.max(options.healthCheck.timeout, 5_000),
          logger,
        )
      : undefined,
  });
  const sync = new PlacementSync({
    fleet,
    placement,
    logger,
    authorization: `Bearer ${options.executorSecret}`,
    interval: options.placement.resyncInterval,
    timeout: Math.max(options.healthCheck.timeout, 5_000),
  });
  // open-runtimes/proxy's OPR_PROXY_ENV=development: forwarded requests name the executor they go to.
  const development = options.env === 'development';
  const authorized = bearerChecker(options.secret);
  const adminAuthorized = bearerChecker(options.adminToken);
  const metricsAuthorized = bearerChecker(options.metricsToken);
  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;
  const answer = createErrorAnswerer(logger, options.version, options.env);
  const balancer = new Balancer({
    fleet,
    health,
    placement,
    metrics,
    hot: requestMetrics,
    random: deps.random ?? Math.random,
    loadFactor: options.loadFactor,
    loadFloor: options.loadFloor,
    boundedLoads: options.boundedLoads,
    warmPreference: options.warmPreference,
    warmSlots: options.warmSlots,
    replication: {
      perHost: options.replicaCapacity,
      maxReplicas: options.maxReplicas,
      windowMs: options.replicaWindow,
      tableSize: options.replicaTable,
    },
    legacyAlgorithm: isLegacyAlgorithm(options.algorithm) ? options.algorithm : undefined,
  });
  activator = new Activator({
    options: options.activator,
    fleet,
    placement,
    balancer,
    upstreamAuthorization: `Bearer ${options.executorSecret}`,
    metrics,
    logger,
    now: () => performance.now(),
    locks: deps.registry?.createLocks?.(pool),
    onDemand: deps.onDemand,
    onColdStart: (id, fields) => keeper?.coldStart(id, fields),
  });
  const created = activator;
  const keeper = options.keepWarm.enabled
    ? new Keeper({
        options: scaleKeepWarm(
          {
            ...options.keepWarm,
            binMs: options.keepWarm.binWidth,
            pins: options.keepWarm.pins.map((p) => ({ ...p, maxIdle: p.maxIdle })),
          },
          options.keepWarm.timeScale,
        ),
        fleet,
        placement,
        prewarm: (id, fields) => created.prewarm(id, fields),
        prewarmOn: (host, id, fields) => created.prewarmOn(host, id, fields),
        upstreamAuthorization: `Bearer ${options.executorSecret}`,
        metrics,
        logger,
        now: () => deps.clock.now(),
        shared: sharedKeeping({
          registry: deps.registry,
          pool,
          options: options.keepWarm,
          executorSecret: options.executorSecret,
          logger,
          now: () => deps.clock.now(),
        }),
        resync: () => sync.syncNow(),
        replicaCount: (id) => balancer.replicaCount(id),
      })
    : undefined;
  keeperRef = keeper;
  const pipeline: Pipeline = createPipeline({
    rules: {
      authorized,
      upstreamAuthorization: `Bearer ${options.executorSecret}`,
      bodyLimit: options.bodyLimit,
    },
    balancer,
    forward: createForwarder({
      hostHeader: options.hostHeader,
      shuttingDown: isShuttingDown,
      hostnameHeader: development,
    }),
    broadcast: {
      fleet,
      placement,
      metrics,
      logger,
      timeout: options.broadcastTimeout,
      hostnameHeader: development,
    },
    limits: { maxTimeout: options.maxTimeout, retries: options.retries },
    shuttingDown: isShuttingDown,
    hot: requestMetrics,
    answer,
    logger,
    activator,
    lifetime: keeper,
  });

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
  app.get(OWN_PATHS.lifetime, (c) => {
    if (!adminAuthorized(authorizationOf(c)))
      throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect admin token.');
    const id = c.req.query('runtime') ?? '';
    if (keeper === undefined) return c.json({ enabled: false, runtimeId: id }, 200);
    const report = keeper.explain(id);
    if (report === undefined)
      return c.json(
        {
          message: `Runtime ${JSON.stringify(id)} has no history in this gateway.`,
          code: 404,
          type: 'runtime_unknown',
        },
        404,
      );
    return c.json({ enabled: true, ...report }, 200);
  });
  app.onError((error, c) => {
    const a = answer(error);
    return c.json(a.body, a.status as 400);
  });
  const honoListener = getRequestListener(app.fetch);
  const listener: RequestListener = (req, res) => {
    // Requests still arriving on kept-alive connections during a drain are served, and their
    // connection closes after the answer.
    if (shuttingDown) res.shouldKeepAlive = false;
    if (answersItself(req.method, req.url)) void honoListener(req, res);
    else void pipeline.handle(req, res);
  };

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
    balancer,
    activator,
    listener,
    async start() {
      if (options.secret === '') logger.warn('no gateway secret configured: every client request is refused');
      await view.start();
      health.start();
      sync.start();
      keeper?.start();
      logger.info({ pool, hosts: fleet.hosts.length }, 'gateway started');
    },
    async stop() {
      view.stop();
      await keeper?.stop();
      health.stop();
      sync.stop();
      await fleet.close();
    },
    beginShutdown() {
      shuttingDown = true;
    },
    inflight: () => pipeline.inflight(),
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
