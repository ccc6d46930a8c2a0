import { loadConfig } from '../config/load.ts';
import { createGateway } from '../gateway/app.ts';
import { gatewayOptionsFromConfig } from '../gateway/options.ts';
import { startGateway } from '../gateway/server.ts';
import { systemClock } from '../lib/clock.ts';
import { FleetgateError, UsageError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { createProcessRegistry } from '../metrics/catalogue.ts';
import { sharedRegistryFromConfig } from '../registry/from-config.ts';
import { parseCommandArgs, parsePortOption } from './args.ts';
import type { CliIO, Command } from './io.ts';
import { version } from './main.ts';
import { nextSignal } from './signals.ts';

const HELP = `Usage: fleetgate gateway [--config FILE] [options]

The gateway: clients send executor API requests here (Authorization: Bearer <gateway secret>);
each is routed to the executor host where its runtime is warm (weighted rendezvous hashing with
bounded loads), streamed both ways, retried on another host when the connection failed.
Configuration: the YAML file (--config or FLEETGATE_CONFIG), then OPR_PROXY_* and FLEETGATE_*
environment variables (open-runtimes/proxy's OPR_PROXY_EXECUTORS, OPR_PROXY_SECRET,
OPR_PROXY_EXECUTOR_SECRET, OPR_PROXY_MAX_TIMEOUT, OPR_PROXY_CONNECTIONS_STATE, PORT work as before).
SIGTERM: /readyz fails, no new connections, in-flight requests finish (gateway.shutdownTimeout), exit 0.

Options:
  --config FILE     YAML configuration file
  --port P          Port to listen on (overrides gateway.port)
  --host ADDR       Address to listen on (overrides gateway.host)
  --log-level L     pino level (overrides log.level)
  -h, --help        Show this help
`;

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    config: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const config = await loadConfig({ file: values.config, env: io.env });
  const options = gatewayOptionsFromConfig(config, version());
  if (values.port !== undefined) options.port = parsePortOption(values.port);
  if (values.host !== undefined) options.host = values.host;
  if (!options.secret) {
    throw new UsageError(
      'gateway.secret is required (OPR_PROXY_SECRET, FLEETGATE_GATEWAY_SECRET or the config file)',
    );
  }
  const logger = createLogger({
    level: values['log-level'] ?? config.log.level,
    name: 'fleetgate-gateway',
    destination: io.stdout,
  });
  const registry = sharedRegistryFromConfig(config, { logger });
  const gateway = createGateway({
    registry,
    pool: config.pool,
    clock: systemClock,
    logger,
    // Default process metrics (CPU, memory, event loop) are on for every Fleetgate process.
    metricsRegistry: createProcessRegistry(),
    options,
  });
  const o = gateway.options;
  let running: Awaited<ReturnType<typeof startGateway>>;
  try {
    running = await startGateway(
      gateway,
      {
        host: o.host,
        port: o.port,
        headersTimeout: o.headersTimeout,
        requestTimeout: o.requestTimeout,
        shutdownTimeout: o.shutdownTimeout,
      },
      logger,
    );
  } catch (error) {
    // A port that is taken (EADDRINUSE) or not ours (EACCES) ends the process instead of leaving it idle.
    await gateway.stop();
    await registry?.close();
    const code = (error as { code?: unknown }).code;
    throw new FleetgateError(
      'GW_LISTEN',
      `cannot listen on ${o.host}:${o.port}: ${typeof code === 'string' ? code : String(error)}`,
      { cause: error },
    );
  }
  logger.info(
    { url: `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${running.port}` },
    'gateway ready',
  );
  const stopSignal = nextSignal();
  logger.info({ signal: await stopSignal.promise }, 'draining');
  stopSignal.dispose();
  await running.close();
  await registry?.close();
  return 0;
}

/** `fleetgate gateway`: the runtime-aware front door of an executor fleet. */
export const gatewayCommand: Command = {
  summary: 'Run the gateway: runtime-aware routing to executor hosts (drop-in for open-runtimes/proxy)',
  run,
};
