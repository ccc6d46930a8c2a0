import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config/load.ts';
import { systemClock } from '../lib/clock.ts';
import { settlesWithin } from '../lib/deadline.ts';
import { UsageError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { createProcessRegistry } from '../metrics/catalogue.ts';
import { createRegistry } from '../registry/create-registry.ts';
import { redisConnectionFromConfig, sharedRegistryFromConfig } from '../registry/from-config.ts';
import { createCoordination } from '../scaler/coordination/create.ts';
import { createScalerApp } from '../scaler/http/app.ts';
import { startScalerHttp } from '../scaler/http/server.ts';
import { createScaler } from '../scaler/loop/scaler.ts';
import { parsePolicies } from '../scaler/policy/parse.ts';
import { parseCommandArgs, parsePortOption } from './args.ts';
import type { CliIO, Command } from './io.ts';
import { nextSignal } from './signals.ts';

const HELP = `Usage: fleetgate scaler [--config FILE] [--policy FILE] [options]

Runs the autoscaler: one tick per policy interval per pool reads the fleet from the registry and
the policy's metrics (Prometheus or the gateways' /metrics), evaluates the policy, and starts,
drains and removes hosts through the pool's provider (static, process, command, docker or swarm). With a Redis
registry one scaler per pool leads (Redis lease); the others follow in dry-run and take over
within one lease when the leader dies. Serves /metrics, /healthz and GET /explain?pool=P.

Options:
  --config FILE          Configuration file (also FLEETGATE_CONFIG); registry, scaler.* and secrets
  --policy FILE          Scaling policy YAML (default: scaler.policyFile)
  --port P               HTTP port for /metrics and /explain (default: scaler.port, 9091; 0 = any)
  --host ADDR            HTTP address (default: scaler.host, 127.0.0.1)
  --executor-arg ARG     Extra argument for executors the process provider starts (repeatable),
                         e.g. --executor-arg=--mode --executor-arg=simulated
  --log-level LEVEL      pino level (default: log.level)
  -h, --help             Show this help

The process provider hands its executors the executor secret (gateway.executorSecret, else
executor.secret, else OPR_EXECUTOR_SECRET). SIGTERM stops ticking, releases the leader lock and
exits within scaler.shutdownTimeout (10 s) even when Redis is down; hosts keep running and stay
registered for the next leader.

GET /explain takes Authorization: Bearer <gateway.adminToken> (FLEETGATE_ADMIN_TOKEN) and is closed
without one; /metrics takes gateway.metricsToken when set; /healthz is open.
`;

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      config: { type: 'string' },
      policy: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'executor-arg': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
    },
    false,
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const config = await loadConfig({ file: values.config, env: io.env });
  const policyFile = values.policy ?? config.scaler.policyFile;
  if (!policyFile) throw new UsageError('a policy is required: --policy FILE or scaler.policyFile');
  let text: string;
  try {
    text = await readFile(policyFile, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--policy: cannot read ${policyFile}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  // An invalid policy throws PolicyError (file:line, path, value) before anything starts.
  const policies = parsePolicies(text, policyFile);
  const port = values.port === undefined ? config.scaler.port : parsePortOption(values.port);
  const host = values.host ?? config.scaler.host;
  const executorSecret =
    config.gateway.executorSecret ?? config.executor.secret ?? io.env.OPR_EXECUTOR_SECRET ?? '';
  const starter = policies.find(
    (p) => p.provider.type === 'process' || p.provider.type === 'docker' || p.provider.type === 'swarm',
  );
  if (!executorSecret && starter) {
    throw new UsageError(
      `the ${starter.provider.type} provider needs an executor secret: gateway.executorSecret or OPR_EXECUTOR_SECRET`,
    );
  }

  const logger = createLogger({
    level: values['log-level'] ?? config.log.level,
    name: 'fleetgate-scaler',
    destination: io.stdout,
  });
  const registry = sharedRegistryFromConfig(config, { logger }) ?? createRegistry({ type: 'memory', logger });
  // Beside a Redis registry, on the same connection settings; in memory when this is the only scaler.
  const coordination = createCoordination({
    connection: redisConnectionFromConfig(config.registry),
    keyPrefix: config.registry.keyPrefix,
    clock: systemClock,
  });
  // Default process metrics (CPU, memory, event loop) are on for every Fleetgate process.
  const metricsRegistry = createProcessRegistry();
  let scaler: ReturnType<typeof createScaler>;
  try {
    scaler = createScaler({
      policies,
      registry,
      coordination,
      leaseTtlMs: config.scaler.leaseTtl,
      clock: systemClock,
      logger,
      metricsRegistry,
      provider: { executorSecret, executorArgs: values['executor-arg'] ?? [] },
    });
  } catch (error) {
    // A source or provider that cannot be built: nothing started; let go of the connections.
    await registry.close();
    await coordination.close();
    throw error;
  }
  const app = createScalerApp({
    pools: scaler.pools,
    metrics: metricsRegistry,
    logger,
    adminToken: config.gateway.adminToken,
    metricsToken: config.gateway.metricsToken,
  });
  const http = await startScalerHttp(app, host, port);
  await scaler.start();
  logger.info(
    {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${http.port}`,
      pools: policies.map((p) => p.pool),
      leadership: coordination.kind === 'redis' ? 'redis lease' : 'sole (memory registry)',
    },
    'scaler ready',
  );
  const stopSignal = nextSignal();
  logger.info({ signal: await stopSignal.promise }, 'scaler stopping');
  stopSignal.dispose();
  // Bounded whatever Redis does: every Redis call already gives up after its command timeout, but a
  // tick in progress may be waiting on a provider; past the deadline the scaler lets go and exits.
  const timeoutMs = config.scaler.shutdownTimeout;
  const clean = await settlesWithin(scaler.stop(), timeoutMs);
  if (!clean)
    logger.error({ timeoutMs }, 'scaler did not stop within scaler.shutdownTimeout; exiting anyway');
  await http.close();
  await registry.close();
  await coordination.close();
  logger.info('scaler stopped');
  return clean ? 0 : 1;
}

/** `fleetgate scaler`: the autoscaler process. */
export const scalerCommand: Command = {
  summary: 'Run the autoscaler: YAML policies on metrics, hosts started, drained and removed',
  run,
};
