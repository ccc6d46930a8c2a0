import { loadConfig, parseConfig } from '../config/load.ts';
import { executorSchema } from '../config/schema/executor.ts';
import { parseDistribution } from '../executor/distribution.ts';
import {
  type ExecutorConfig,
  type ExecutorInput,
  executorOptionsFromConfig,
  type RuntimeCommand,
  type SimulatedOptions,
} from '../executor/options.ts';
import { startExecutor } from '../executor/server.ts';
import { UsageError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { parseCommandArgs, parsePortOption } from './args.ts';
import type { CliIO, Command } from './io.ts';
import { readSecretFile, type SecretOrigin } from './secret-source.ts';
import { nextSignal } from './signals.ts';

const DEFAULTS = executorSchema.parse({});

const HELP = `Usage: fleetgate executor [--config FILE] [--secret S] [options]

A local Open Runtimes executor: runtimes are child processes, Docker containers (--mode docker)
or simulated in-process models.
Prints one JSON log line with "url" once it listens; SIGTERM drains (waits for in-flight
executions up to --drain-timeout), stops every runtime process and exits 0.

Configuration: the executor section of the YAML file (--config or FLEETGATE_CONFIG), then
OPR_EXECUTOR_* and FLEETGATE_EXECUTOR_* variables, then these options (README: Configuration).

Options:
  --config FILE               YAML configuration file (its executor section)
  --port P                    Port to listen on (default: FLEETGATE_EXECUTOR_PORT, PORT,
                              executor.port, 9900; 0 = any free port)
  --bind ADDR                 Address to bind (default executor.host, 127.0.0.1)
  --secret-file FILE          Read the executor secret from FILE (or a pipe: /dev/fd/N, <(...)).
                              Preferred: runtimes run as this user, and in process mode they can
                              read this process's environment (/proc/<pid>/environ)
  --secret S                  Executor secret, Authorization: Bearer S (default: OPR_EXECUTOR_SECRET);
                              hidden from ps once started
  --hostname NAME             Name this host reports in runtime objects (default executor-<pid>)
  --mode process|docker|simulated
                              Runtimes as child processes (default), containers through the
                              Docker engine at executor.docker.socket (docs/containers.md), or
                              simulated
  --runtime-command P=CMD     Command template for images matching P (repeatable), e.g.
                              'openruntimes/python:*=python3 server.py'. Placeholders:
                              {runtimeServer} {entrypoint} {port} {source} {logsDir}. Node images
                              (openruntimes/node:*, node*) run Fleetgate's Node runtime by default.
  --runtime-env NAME          Pass this variable of the executor's environment to runtimes
                              (repeatable; NAME* for a prefix; FLEETGATE_* and OPR_* never pass)
  --execution-grace D         Wait this long past an execution's timeout for the runtime (default 5s)
  --source-root DIR           "source" paths must be inside DIR (default: current directory)
  --work-dir DIR              Where extracted sources and logs go (default: a temp folder)
  --build-cache-dir DIR       Build caches, one folder per cacheKey (default: <work-dir>/build-cache)
  --max-source-size MB        Most a .tar.gz source may unpack to (default 512)
  --build-workers N           Builds (creates with a command) run at once; more queue
                              (default: FLEETGATE_EXECUTOR_BUILD_WORKERS, else ${DEFAULTS.buildWorkers})
  --build-queue N             Builds that may wait for a worker; one more gets 503
                              (default: FLEETGATE_EXECUTOR_BUILD_QUEUE, else ${DEFAULTS.buildQueue})
  --inactive-threshold D      Reap runtimes idle this long (default 60s; 500ms, 2s, 1m)
  --maintenance-interval D    Reaping sweep interval (default 10s)
  --max-runtimes N            Warm runtimes kept; least recently used evicted (default 100)
  --drain-timeout D           SIGTERM waits this long for in-flight executions (default 30s)
  --legacy-health             Answer /v1/health with the pre-0.17 JSON {status, usage, runtimes}
  --sim-cold-start DIST       Simulated cold start: 250, uniform:100:500, exponential:200,
                              lognormal:300:0.5 (ms; default 250)
  --sim-execution DIST        Simulated execution time unless x-sim-duration-ms is sent (default 20)
  --sim-concurrency N         Simultaneous executions per simulated runtime (default 8)
  --sim-memory MB             Simulated host memory: runtimes' declared memory (default 512 MB
                              each) stays under it by LRU eviction (default 65536)
  --seed N                    Seed of the simulated distributions (default 1)
  --log-level LEVEL           pino level (default info)
  -h, --help                  Show this help
`;

/** Parses `500ms`, `2s`, `1m` or a bare number of seconds into milliseconds. */
export function parseDurationMs(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${option}: expected a duration like 500ms, 2s or 1m, got "${text}"`);
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000;
}

function parseCount(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${option}: expected an integer ≥ ${min}, got "${text}"`);
  return n;
}

function parseRuntimeCommand(text: string): RuntimeCommand {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) {
    throw new UsageError(`--runtime-command: expected PATTERN=COMMAND, got "${text}"`);
  }
  return { pattern: text.slice(0, i), command: text.slice(i + 1) };
}

function distribution(text: string, option: string) {
  try {
    return parseDistribution(text);
  } catch (error) {
    throw new UsageError(`--${option}: ${(error as Error).message}`);
  }
}

/**
 * Turns parsed argv into executor options over the configuration's `executor` section (file and
 * environment, already loaded: `section`; without one, the environment alone); exported for tests.
 */
export function executorOptionsFromArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  section: ExecutorConfig = parseConfig({ env }).executor,
) {
  const { values, positionals } = parseCommandArgs(argv, {
    config: { type: 'string' },
    'runtime-env': { type: 'string', multiple: true },
    'execution-grace': { type: 'string' },
    port: { type: 'string' },
    bind: { type: 'string' },
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    hostname: { type: 'string' },
    mode: { type: 'string' },
    'runtime-command': { type: 'string', multiple: true },
    'source-root': { type: 'string' },
    'work-dir': { type: 'string' },
    'build-cache-dir': { type: 'string' },
    'max-source-size': { type: 'string' },
    'build-workers': { type: 'string' },
    'build-queue': { type: 'string' },
    'inactive-threshold': { type: 'string' },
    'maintenance-interval': { type: 'string' },
    'max-runtimes': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'legacy-health': { type: 'boolean' },
    'sim-cold-start': { type: 'string' },
    'sim-execution': { type: 'string' },
    'sim-concurrency': { type: 'string' },
    'sim-memory': { type: 'string' },
    seed: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.help) return { help: true as const };
  // The secret: --secret-file, --secret, then the configuration (FLEETGATE_EXECUTOR_SECRET,
  // OPR_EXECUTOR_SECRET, the file).
  const secretOrigin: SecretOrigin | undefined = values['secret-file']
    ? 'file'
    : values.secret
      ? 'argv'
      : section.secret !== undefined
        ? env.FLEETGATE_EXECUTOR_SECRET || env.OPR_EXECUTOR_SECRET
          ? 'env'
          : 'file'
        : undefined;
  if (secretOrigin === undefined)
    throw new UsageError(
      '--secret-file or --secret is required (or set OPR_EXECUTOR_SECRET, FLEETGATE_EXECUTOR_SECRET or executor.secret)',
    );
  const fromConfig = executorOptionsFromConfig(section);
  // A --secret-file is read by `run` (it may be a pipe); the secret is filled in then.
  const secret = values['secret-file'] ? '' : values.secret ? values.secret : fromConfig.secret;
  const mode = values.mode ?? fromConfig.mode ?? 'process';
  if (mode !== 'process' && mode !== 'docker' && mode !== 'simulated') {
    throw new UsageError(`--mode: expected process, docker or simulated, got "${mode}"`);
  }
  // --port, then FLEETGATE_EXECUTOR_PORT, then PORT (what the executor read before the file), then the file.
  const portText =
    values.port ?? (env.FLEETGATE_EXECUTOR_PORT ? undefined : env.PORT) ?? String(fromConfig.port);
  const options: ExecutorInput = {
    ...fromConfig,
    secret,
    mode,
    port: parsePortOption(portText),
    legacyHealth: values['legacy-health'] ?? fromConfig.legacyHealth,
    runtimeCommands: [
      ...(values['runtime-command'] ?? []).map(parseRuntimeCommand),
      ...(fromConfig.runtimeCommands ?? []),
    ],
    runtimeEnv: [...(values['runtime-env'] ?? []), ...(fromConfig.runtimeEnv ?? [])],
  };
  if (values.bind) options.bind = values.bind;
  if (values.hostname) options.hostname = values.hostname;
  if (values['source-root']) options.sourceRoot = values['source-root'];
  if (values['work-dir']) options.workDir = values['work-dir'];
  if (values['build-cache-dir']) options.buildCacheDir = values['build-cache-dir'];
  const dur = (key: 'inactive-threshold' | 'maintenance-interval' | 'drain-timeout' | 'execution-grace') =>
    values[key] === undefined ? undefined : parseDurationMs(values[key], key);
  const inactive = dur('inactive-threshold');
  if (inactive !== undefined) options.inactiveThresholdMs = inactive;
  const interval = dur('maintenance-interval');
  if (interval !== undefined) options.maintenanceIntervalMs = Math.max(1, interval);
  const drain = dur('drain-timeout');
  if (drain !== undefined) options.drainTimeoutMs = drain;
  const grace = dur('execution-grace');
  if (grace !== undefined) options.executionGraceMs = grace;
  if (values['max-source-size'])
    options.maxSourceBytes = parseCount(values['max-source-size'], 'max-source-size', 1) * 1024 * 1024;
  const buildWorkers = values['build-workers'];
  if (buildWorkers) options.buildWorkers = parseCount(buildWorkers, 'build-workers', 1);
  const buildQueue = values['build-queue'];
  if (buildQueue) options.buildQueue = parseCount(buildQueue, 'build-queue', 0);
  if (values['max-runtimes']) options.maxRuntimes = parseCount(values['max-runtimes'], 'max-runtimes', 1);
  const sim: Partial<SimulatedOptions> = { ...fromConfig.simulated };
  if (values['sim-cold-start']) sim.coldStart = distribution(values['sim-cold-start'], 'sim-cold-start');
  if (values['sim-execution']) sim.execution = distribution(values['sim-execution'], 'sim-execution');
  if (values['sim-concurrency'])
    sim.concurrency = parseCount(values['sim-concurrency'], 'sim-concurrency', 1);
  if (values['sim-memory']) sim.memoryMb = parseCount(values['sim-memory'], 'sim-memory', 1);
  if (values.seed) sim.seed = parseCount(values.seed, 'seed', 0);
  options.simulated = sim;
  return {
    help: false as const,
    options,
    logLevel: values['log-level'],
    secretOrigin,
    secretFile: values['secret-file'],
  };
}

/** The value of `--config FILE` / `--config=FILE` in argv, if any (read before the other options). */
function configFile(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}

/** `fleetgate executor`: runs one local executor until SIGTERM/SIGINT. */
export const executorCommand: Command = {
  summary: 'Run a local Open Runtimes executor (process or simulated runtimes)',
  async run(argv: string[], io: CliIO): Promise<number> {
    const config =
      argv.includes('-h') || argv.includes('--help')
        ? undefined
        : await loadConfig({ file: configFile(argv), env: io.env });
    const parsed = executorOptionsFromArgs(argv, io.env, config?.executor);
    if (parsed.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (parsed.secretFile !== undefined) parsed.options.secret = await readSecretFile(parsed.secretFile);
    const logger = createLogger({ name: 'executor', level: parsed.logLevel, destination: io.stdout });
    // Keep the secret out of what runtimes (same user, process mode) can read: bin/fleetgate.js
    // rewrote a --secret out of the command line; the initial environment block
    // (/proc/<pid>/environ) cannot be rewritten, so say so.
    delete process.env.OPR_EXECUTOR_SECRET;
    delete process.env.FLEETGATE_EXECUTOR_SECRET;
    if (parsed.secretOrigin === 'env' && (parsed.options.mode ?? 'process') === 'process') {
      logger.warn(
        'the executor secret came from the environment: runtimes run as this user and can read it in /proc/<pid>/environ; pass it with --secret-file instead',
      );
    }
    const running = await startExecutor(parsed.options, { logger });
    const ready = { url: running.url, port: running.port, mode: running.executor.options.mode };
    // Parents detect readiness from this line, so it is written even when --log-level hides info.
    if (logger.isLevelEnabled('info')) logger.info(ready, 'executor listening');
    else io.stdout.write(`${JSON.stringify({ ...ready, pid: process.pid, msg: 'executor listening' })}\n`);
    const stopSignal = nextSignal();
    logger.info({ signal: await stopSignal.promise }, 'draining');
    stopSignal.dispose();
    await running.close().catch(() => undefined);
    logger.info('executor stopped');
    return 0;
  },
};
