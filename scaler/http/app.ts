import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { FleetgateError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { bearerToken, secretEquals } from '../../lib/secrets.ts';
import { type DecisionLog, EXPLAIN_DEFAULT_LIMIT, EXPLAIN_MAX_LIMIT } from '../loop/decision-log.ts';

/** What the scaler's HTTP port shows for one pool. */
export interface PoolView {
  /** This scaler's own tick records (leader or follower). */
  decisions: DecisionLog;
  isLeader(): boolean;
  mode: string;
}

/** A request to the scaler's HTTP port was wrong. */
export class ScalerHttpError extends FleetgateError {
  constructor(
    code: 'SCALER_UNKNOWN_POOL' | 'SCALER_BAD_REQUEST' | 'SCALER_UNAUTHORIZED',
    message: string,
    readonly status: 400 | 401 | 404,
  ) {
    super(code, message);
  }
}

/**
 * The scaler's HTTP app: `GET /healthz` (pools, leadership), `GET /metrics` (Prometheus text) and
 * `GET /explain?pool=P&limit=N` (recent decision records, newest first). `/explain` shows provider
 * output and the fleet, so it takes `Authorization: Bearer <adminToken>` (the gateway's admin token,
 * `gateway.adminToken`), and is closed when none is configured; `/metrics` takes the metrics token
 * when one is set, as on the gateway. Errors become JSON in the one onError.
 */
export function createScalerApp(deps: {
  pools: Map<string, PoolView>;
  metrics: Registry;
  logger: Logger;
  /** Bearer token for /explain; undefined or empty: /explain answers 401. */
  adminToken: string | undefined;
  /** Bearer token for /metrics when set. */
  metricsToken?: string | undefined;
}): Hono {
  const app = new Hono();
  const presented = (header: string | undefined, expected: string | undefined) => {
    const token = bearerToken(header);
    // Compared even when nothing is configured, so an unset token costs the same time (fail closed).
    return secretEquals(token ?? '', expected ?? '') && token !== undefined;
  };

  app.get('/healthz', (c) =>
    c.json({
      status: 'ok',
      pools: Object.fromEntries(
        [...deps.pools].map(([name, p]) => [name, { leader: p.isLeader(), mode: p.mode }]),
      ),
    }),
  );

  app.get('/metrics', async (c) => {
    if (deps.metricsToken && !presented(c.req.header('authorization'), deps.metricsToken)) {
      throw new ScalerHttpError('SCALER_UNAUTHORIZED', 'Incorrect metrics token.', 401);
    }
    c.header('content-type', deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });

  app.get('/explain', async (c) => {
    if (!deps.adminToken) {
      throw new ScalerHttpError(
        'SCALER_UNAUTHORIZED',
        '/explain needs an admin token: set gateway.adminToken (FLEETGATE_ADMIN_TOKEN) and send it as Authorization: Bearer <token>.',
        401,
      );
    }
    if (!presented(c.req.header('authorization'), deps.adminToken)) {
      throw new ScalerHttpError('SCALER_UNAUTHORIZED', 'Incorrect admin token.', 401);
    }
    const names = [...deps.pools.keys()];
    const pool = c.req.query('pool') ?? (names.length === 1 ? names[0] : undefined);
    if (pool === undefined) {
      throw new ScalerHttpError('SCALER_BAD_REQUEST', 'pool: required (this scaler runs several pools)', 400);
    }
    const view = deps.pools.get(pool);
    if (!view) {
      // The pool names are not listed: they tell a prober what else runs here.
      throw new ScalerHttpError('SCALER_UNKNOWN_POOL', `pool: unknown pool "${pool.slice(0, 64)}"`, 404);
    }
    const raw = c.req.query('limit') ?? String(EXPLAIN_DEFAULT_LIMIT);
    const limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > EXPLAIN_MAX_LIMIT) {
      throw new ScalerHttpError(
        'SCALER_BAD_REQUEST',
        `limit: must be 1-${EXPLAIN_MAX_LIMIT}, got "${raw}"`,
        400,
      );
    }
    return c.json({ pool, leader: view.isLeader(), records: await view.decisions.recent(pool, limit) });
  });

  app.notFound((c) => c.json({ code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof ScalerHttpError)
      return c.json({ code: error.code, message: error.message }, error.status);
    deps.logger.error({ err: error }, 'scaler HTTP request failed');
    return c.json({ code: 'internal', message: 'Internal error.' }, 500);
  });

  return app;
}
