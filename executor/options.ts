import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { DeepReadonly } from '../config/freeze.ts';
import { executorSchema } from '../config/schema/executor.ts';
import { type Distribution, parseDistribution } from './distribution.ts';

/** How runtimes run: child processes or containers speaking the runtime protocol, or an in-process model. */
export type ExecutorMode = 'process' | 'docker' | 'simulated';

/** Docker-mode settings (config `executor.docker.*`). */
export interface DockerModeOptions {
  /** The engine's unix socket. */
  socket: string;
  /** `host`, `bridge` or a network's name. */
  network: string;
  labelPrefix: string;
  /** The owner label's value; '' for `<machine hostname>-<port>` (`-<pid>` with port 0). */
  owner: string;
  pidsLimit: number;
  runtimePort: number;
}

/** A command template for images matching `pattern` (`*` is a wildcard). */
export interface RuntimeCommand {
  pattern: string;
  /**
   * Whitespace-separated argv; placeholders `{runtimeServer}`, `{entrypoint}`, `{port}`, `{source}`,
   * `{logsDir}` (the runtime's own logs folder, also in `OPEN_RUNTIMES_LOGS_DIR`).
   */
  command: string;
}

/** Simulated-mode model parameters. */
export interface SimulatedOptions {
  coldStart: Distribution;
  execution: Distribution;
  /** Executions one warm runtime runs at once; more wait for a slot. */
  concurrency: number;
  /** Host memory the accounted runtime memory is compared with (MB), for usage reports. */
  memoryMb: number;
  seed: number;
}

/** Every executor setting; `resolveExecutorOptions` fills the defaults. */
export interface ExecutorOptions {
  secret: string;
  port: number;
  /** Address to bind. */
  bind: string;
  /** The name this host reports in runtime objects (`hostname`). */
  hostname: string;
  mode: ExecutorMode;
  runtimeCommands: RuntimeCommand[];
  /** `source` paths must resolve inside this folder. */
  sourceRoot: string;
  /** Where extracted sources and runtime log files go. */
  workDir: string;
  /** Build caches, one folder per `cacheKey`; '' for `<workDir>/build-cache`. */
  buildCacheDir: string;
  inactiveThresholdMs: number;
  maintenanceIntervalMs: number;
  maxRuntimes: number;
  drainTimeoutMs: number;
  legacyHealth: boolean;
  /** Request body limit; 22 MiB as in the real executor. */
  bodyLimitBytes: number;
  /** Most bytes one `.tar.gz` source may unpack to (a zip bomb must not fill the disk). */
  maxSourceBytes: number;
  /** How long past an execution's timeout the executor waits for the runtime's own answer. */
  executionGraceMs: number;
  /**
   * Names of this process's environment variables passed on to every runtime (a real runtime may
   * need e.g. `NODE_PATH` or `LANG`); runtimes otherwise get only `PATH`, `HOME` and what the
   * executor sets. A name ending in `*` passes every variable with that prefix.
   */
  runtimeEnv: string[];
  /** Runtime `version` values a create or execution may ask for (`OPR_EXECUTOR_RUNTIME_VERSIONS`). */
  runtimeVersions: string[];
  /** Builds run at once (`executor.buildWorkers`). */
  buildWorkers: number;
  /** Builds that may wait for a worker (`executor.buildQueue`). */
  buildQueue: number;
  simulated: SimulatedOptions;
  docker: DockerModeOptions;
}

/** The Node runtime server shipped with Fleetgate (plain .mjs so it boots without tsx). */
export const NODE_RUNTIME_SERVER = fileURLToPath(new URL('./runtime/node-server.mjs', import.meta.url));

/** Node images run our own runtime server unless configured otherwise. */
export const DEFAULT_RUNTIME_COMMANDS: RuntimeCommand[] = [
  { pattern: 'openruntimes/node:*', command: 'node {runtimeServer}' },
  { pattern: 'node*', command: 'node {runtimeServer}' },
];

/** What callers give: the secret plus any settings to override (simulated ones field by field). */
export type ExecutorInput = Partial<Omit<ExecutorOptions, 'simulated' | 'docker'>> & {
  secret: string;
  simulated?: Partial<SimulatedOptions>;
  docker?: Partial<DockerModeOptions>;
};

/** The resolved `executor` section of the configuration (config/schema/executor.ts). */
export type ExecutorConfig = DeepReadonly<z.output<typeof executorSchema>>;

/**
 * Executor options from the `executor` configuration section (file, `FLEETGATE_EXECUTOR_*`,
 * `OPR_EXECUTOR_*`): the schema is the one table of defaults. `secret` may still be empty here
 * (the CLI also takes it from a flag or a file).
 */
export function executorOptionsFromConfig(section: ExecutorConfig): ExecutorInput {
  const input: ExecutorInput = {
    secret: section.secret ?? '',
    port: section.port,
    bind: section.host,
    mode: section.mode,
    runtimeCommands: section.runtimeCommands.map((text) => {
      const i = text.indexOf('=');
      return { pattern: text.slice(0, i), command: text.slice(i + 1) };
    }),
    runtimeEnv: [...section.runtimeEnv],
    runtimeVersions: [...section.runtimeVersions],
    inactiveThresholdMs: section.inactiveThreshold,
    maintenanceIntervalMs: Math.max(1, section.maintenanceInterval),
    maxRuntimes: section.maxRuntimes,
    drainTimeoutMs: section.drainTimeout,
    executionGraceMs: section.executionGrace,
    legacyHealth: section.legacyHealth,
    bodyLimitBytes: section.bodyLimit,
    maxSourceBytes: section.maxSourceSize,
    buildWorkers: section.buildWorkers,
    buildQueue: section.buildQueue,
    simulated: {
      coldStart: parseDistribution(section.simulated.coldStart),
      execution: parseDistribution(section.simulated.execution),
      concurrency: section.simulated.concurrency,
      memoryMb: section.simulated.memory,
      seed: section.simulated.seed,
    },
    docker: {
      socket: section.docker.socket,
      network: section.docker.network,
      labelPrefix: section.docker.labelPrefix,
      owner: section.docker.owner ?? '',
      pidsLimit: section.docker.pidsLimit,
      runtimePort: section.docker.runtimePort,
    },
  };
  if (section.hostname !== undefined) input.hostname = section.hostname;
  if (section.sourceRoot !== undefined) input.sourceRoot = section.sourceRoot;
  if (section.workDir !== undefined) input.workDir = section.workDir;
  if (section.buildCacheDir !== undefined) input.buildCacheDir = section.buildCacheDir;
  return input;
}

/** The schema's defaults as options (what an embedded or test executor gets unless told otherwise). */
const DEFAULTS = executorOptionsFromConfig(executorSchema.parse({}));

/**
 * Fills defaults (the config schema's, plus this process's id, working directory and an any-port
 * listener for embedded executors); the caller's runtime commands take precedence over the defaults.
 */
export function resolveExecutorOptions(input: ExecutorInput): ExecutorOptions {
  return {
    ...(DEFAULTS as Omit<ExecutorOptions, 'simulated' | 'docker'>),
    // Embedded executors (tests, benchmarks) listen on any free port unless told otherwise.
    port: 0,
    hostname: input.hostname ?? `executor-${process.pid}`,
    sourceRoot: process.cwd(),
    workDir: '',
    buildCacheDir: '',
    ...input,
    runtimeCommands: [...(input.runtimeCommands ?? []), ...DEFAULT_RUNTIME_COMMANDS],
    simulated: { ...(DEFAULTS.simulated as SimulatedOptions), ...input.simulated },
    docker: { ...(DEFAULTS.docker as DockerModeOptions), ...input.docker },
  };
}

/** Finds the command template for an image (first match wins); undefined when none matches. */
export function commandForImage(image: string, commands: RuntimeCommand[]): string | undefined {
  for (const { pattern, command } of commands) {
    const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
    if (re.test(image)) return command;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
