import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { FleetgateError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { DecisionLog } from '../loop/decision-log.ts';

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
    code: 'SCALER_UNKNOWN_POOL' | 'SCALER_BAD_REQUEST',
    message: string,
    readonly status: 400 | 404,
  ) {
    super(code, message);
  }
}

/** Records `GET /explain` returns unless `limit` says otherwise, and the most it returns. */
export const EXPLAIN_DEFAULT_LIMIT = 20;
export const EXPLAIN_MAX_LIMIT = 500;

/**
 * The scaler's HTTP app: `GET /healthz` (pools, leadership), `GET /metrics` (Prometheus text) and
 * `GET /explain?pool=P&limit=N` (recent decision records, newest first). Errors become JSON in the
 * one onError.
 */
export function createScalerApp(deps: {
  pools: Map<string, PoolView>;
  metrics: Registry;
  logger: Logger;
}): Hono {
  const app = new Hono();

  app.get('/healthz', (c) =>
    c.json({
      status: 'ok',
      pools: Object.fromEntries(
        [...deps.pools].map(([name, p]) => [name, { leader: p.isLeader(), mode: p.mode }]),
      ),
    }),
  );

  app.get('/metrics', async (c) => {
    c.header('content-type', deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });

  app.get('/explain', async (c) => {
    const names = [...deps.pools.keys()];
    const pool = c.req.query('pool') ?? (names.length === 1 ? names[0] : undefined);
    if (pool === undefined) {
      throw new ScalerHttpError('SCALER_BAD_REQUEST', `pool: required (pools: ${names.join(', ')})`, 400);
    }
    const view = deps.pools.get(pool);
    if (!view) {
      throw new ScalerHttpError(
        'SCALER_UNKNOWN_POOL',
        `pool: unknown pool "${pool}" (pools: ${names.join(', ')})`,
        404,
      );
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
