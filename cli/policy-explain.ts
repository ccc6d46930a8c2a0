import { once } from 'node:events';
import { request } from 'undici';
import { loadConfig } from '../config/load.ts';
import { FleetgateError, UsageError } from '../lib/errors.ts';
import { redisConnectionFromConfig } from '../registry/from-config.ts';
import { DEFAULT_KEY_PREFIX, poolKeys } from '../registry/keys.ts';
import { type RedisConnectionOptions, redisConnector } from '../registry/redis-connection.ts';
import { EXPLAIN_DEFAULT_LIMIT, EXPLAIN_MAX_LIMIT, redisDecisionLog } from '../scaler/loop/decision-log.ts';
import type { TickRecord } from '../scaler/loop/record.ts';
import type { ForecastResult, MetricReading } from '../scaler/types.ts';
import { parseCommandArgs } from './args.ts';
import type { CliIO } from './io.ts';

/** Help of `fleetgate policy explain`. */
export const EXPLAIN_HELP = `Usage: fleetgate policy explain --pool P [--redis URL | --url SCALER_URL | --config FILE] [options]

Prints the scaler's recent decision records for a pool, newest first: the fleet and metric inputs,
every evaluation step with its value and reason code, the planned actions and what was done.

  --pool P         the pool (default: "default")
  --redis URL      read the shared capped list the leading scaler writes in Redis
  --url URL        ask a running scaler's HTTP port (GET /explain), e.g. http://127.0.0.1:9091,
                   with the admin token FLEETGATE_ADMIN_TOKEN (else gateway.adminToken of --config)
  --config FILE    take Redis (registry.type redis) or the scaler's address from a config file
                   (also FLEETGATE_CONFIG); used when neither --redis nor --url is given
  --key-prefix P   Redis key prefix (default: the config's, else fleetgate)
  --limit N        records to print (default ${EXPLAIN_DEFAULT_LIMIT}, at most ${EXPLAIN_MAX_LIMIT})
  --json           print the records as JSON
`;

const OPTIONS = {
  pool: { type: 'string' },
  redis: { type: 'string' },
  url: { type: 'string' },
  config: { type: 'string' },
  'key-prefix': { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Explain could not read the records (Redis or the scaler unreachable, bad answer). */
export class ExplainError extends FleetgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXPLAIN_UNAVAILABLE', message, options);
  }
}

/** `fleetgate policy explain`: to be dispatched by cli/policy-command.ts as the `explain` subcommand. */
export async function policyExplain(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS, false);
  if (values.help) {
    io.stdout.write(EXPLAIN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const pool = values.pool ?? 'default';
  const limit = Number(values.limit ?? EXPLAIN_DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > EXPLAIN_MAX_LIMIT) {
    throw new UsageError(`--limit: expected 1-${EXPLAIN_MAX_LIMIT}, got "${values.limit}"`);
  }
  const records = await readRecords(values, pool, limit, io);
  if (values.json) io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  else
    io.stdout.write(records.length > 0 ? formatRecords(records) : `no decision records for pool "${pool}"\n`);
  return 0;
}

async function readRecords(
  values: { redis?: string; url?: string; config?: string; 'key-prefix'?: string },
  pool: string,
  limit: number,
  io: CliIO,
): Promise<TickRecord[]> {
  // /explain takes the gateway's admin token: from the environment, else the config file.
  const token = async () =>
    io.env.FLEETGATE_ADMIN_TOKEN ??
    (await loadConfig({ file: values.config, env: io.env })).gateway.adminToken;
  if (values.url) return fromScaler(values.url, pool, limit, await token());
  if (values.redis) {
    return fromRedis({ url: values.redis }, values['key-prefix'] ?? DEFAULT_KEY_PREFIX, pool, limit);
  }
  const config = await loadConfig({ file: values.config, env: io.env });
  // The same mapping as every other command: url or Sentinel, credentials, TLS CA.
  const connection = redisConnectionFromConfig(config.registry);
  if (connection !== undefined) {
    return fromRedis(connection, values['key-prefix'] ?? config.registry.keyPrefix, pool, limit);
  }
  const host = config.scaler.host === '0.0.0.0' ? '127.0.0.1' : config.scaler.host;
  return fromScaler(`http://${host}:${config.scaler.port}`, pool, limit, config.gateway.adminToken);
}

/** How long the command waits for Redis before giving up. */
const REDIS_WAIT_MS = 5000;

async function fromRedis(
  connection: RedisConnectionOptions,
  prefix: string,
  pool: string,
  limit: number,
): Promise<TickRecord[]> {
  const client = redisConnector({ ...connection, commandTimeoutMs: REDIS_WAIT_MS }).create('command');
  client.on('error', () => {});
  try {
    if (client.status !== 'ready') {
      await once(client, 'ready', { signal: AbortSignal.timeout(REDIS_WAIT_MS) }).catch((error: unknown) => {
        const last = (client as { lastError?: Error }).lastError?.message;
        throw new Error(`not ready within ${REDIS_WAIT_MS} ms${last ? ` (${last})` : ''}`, { cause: error });
      });
    }
    return await redisDecisionLog(client, (p) => poolKeys(p, prefix).decisions).recent(pool, limit);
  } catch (error) {
    throw new ExplainError(`cannot read decision records from Redis: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    client.disconnect();
  }
}

async function fromScaler(
  base: string,
  pool: string,
  limit: number,
  token: string | undefined,
): Promise<TickRecord[]> {
  const url = `${base.replace(/\/$/, '')}/explain?pool=${encodeURIComponent(pool)}&limit=${limit}`;
  let status: number;
  let body: { records?: TickRecord[]; message?: string };
  try {
    const res = await request(url, {
      signal: AbortSignal.timeout(10_000),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    status = res.statusCode;
    body = (await res.body.json()) as typeof body;
  } catch (error) {
    throw new ExplainError(`cannot reach the scaler at ${base}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (status !== 200 || !Array.isArray(body.records)) {
    throw new ExplainError(
      `the scaler at ${base} answered ${status}: ${body.message ?? JSON.stringify(body)}`,
    );
  }
  return body.records;
}

function reading(name: string, r: MetricReading): string {
  return r.ok ? `${name}=${r.value}` : `${name}: no data (${r.reason}${r.detail ? `: ${r.detail}` : ''})`;
}

/** Formats records for people, newest first (pure). */
/** One forecast as explain prints it: the model, the bound, its error so far and the verdict. */
export function forecastLine(f: ForecastResult): string {
  if (f.model === null) return `none (${f.reason}: ${f.detail})`;
  return `${f.model} peak ${f.upper} (${f.point} + margin ${f.margin}) over ${f.horizonSteps} step(s); error ${Math.round((f.error ?? 0) * 1000) / 10} %, coverage ${Math.round((f.coverage ?? 0) * 100)} % over ${f.samples} steps: ${f.trusted ? 'trusted' : 'not trusted'} (${f.reason})`;
}

export function formatRecords(records: readonly TickRecord[]): string {
  return records
    .map((r) => {
      const lines = [
        `${new Date(r.time).toISOString()}  pool ${r.pool}  ${r.leader ? 'leader' : 'follower'}  ${r.reason}` +
          `${r.desired === null ? '' : `  desired ${r.desired}`}  (${r.durationMs} ms)`,
      ];
      if (r.error) lines.push(`  error: ${r.error}`);
      const d = r.decision;
      if (d) {
        const h = d.inputs.hosts;
        lines.push(
          `  fleet: ${h.active} active, ${h.booting} booting, ${h.draining} draining; capacity ${d.inputs.current}; mode ${d.mode}`,
        );
        const metrics = Object.entries(d.inputs.metrics).map(([n, m]) => reading(n, m));
        if (metrics.length > 0) lines.push(`  metrics: ${metrics.join('; ')}`);
        for (const [name, f] of Object.entries(d.forecasts ?? {}))
          lines.push(`  forecast ${name}: ${forecastLine(f)}`);
        for (const s of d.steps) {
          lines.push(
            `  step ${s.step.padEnd(18)} ${String(s.value ?? '-').padStart(5)}  ${s.reason}${s.detail ? `  ${s.detail}` : ''}`,
          );
        }
        for (const a of d.actions) {
          const what = a.type === 'start' ? `start ${a.count}` : `${a.type} ${a.hostId}`;
          lines.push(`  plan ${what}${a.execute ? '' : ' (not executed)'}`);
        }
      }
      for (const o of r.outcomes) {
        const status = o.skipped ? 'skipped' : o.ok ? 'ok' : 'FAILED';
        lines.push(
          `  did ${o.action}${o.hostId ? ` ${o.hostId}` : ''}: ${status}${o.detail ? `  ${o.detail}` : ''}`,
        );
      }
      return lines.join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
