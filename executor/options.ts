import { fileURLToPath } from 'node:url';
import { executorSchema } from '../config/schema/executor.ts';
import type { Distribution } from './distribution.ts';

/** How runtimes run: child processes speaking the runtime protocol, or an in-process model. */
export type ExecutorMode = 'process' | 'simulated';

/** A command template for images matching `pattern` (`*` is a wildcard). */
export interface RuntimeCommand {
  pattern: string;
  /** Whitespace-separated argv; placeholders `{runtimeServer}`, `{entrypoint}`, `{port}`, `{source}`. */
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
  inactiveThresholdMs: number;
  maintenanceIntervalMs: number;
  maxRuntimes: number;
  drainTimeoutMs: number;
  legacyHealth: boolean;
  /** Request body limit; 22 MiB as in the real executor. */
  bodyLimitBytes: number;
  /** Most bytes one `.tar.gz` source may unpack to (a zip bomb must not fill the disk). */
  maxSourceBytes: number;
  /** Builds run at once (`executor.buildWorkers`). */
  buildWorkers: number;
  /** Builds that may wait for a worker (`executor.buildQueue`). */
  buildQueue: number;
  simulated: SimulatedOptions;
}

/** The executor section's defaults, from the config schema (the one table of defaults). */
const SCHEMA_DEFAULTS = executorSchema.parse({});

/** The Node runtime server shipped with Fleetgate (plain .mjs so it boots without tsx). */
export const NODE_RUNTIME_SERVER = fileURLToPath(new URL('./runtime/node-server.mjs', import.meta.url));

/** Node images run our own runtime server unless configured otherwise. */
export const DEFAULT_RUNTIME_COMMANDS: RuntimeCommand[] = [
  { pattern: 'openruntimes/node:*', command: 'node {runtimeServer}' },
  { pattern: 'node*', command: 'node {runtimeServer}' },
];

/** What callers give: the secret plus any settings to override (simulated ones field by field). */
export type ExecutorInput = Partial<Omit<ExecutorOptions, 'simulated'>> & {
  secret: string;
  simulated?: Partial<SimulatedOptions>;
};

/** Fills defaults; later runtime commands given by the caller take precedence over the defaults. */
export function resolveExecutorOptions(input: ExecutorInput): ExecutorOptions {
  return {
    port: 0,
    bind: '127.0.0.1',
    hostname: input.hostname ?? `executor-${process.pid}`,
    mode: 'process',
    sourceRoot: process.cwd(),
    workDir: '',
    // Open Runtimes: OPR_EXECUTOR_INACTIVE_THRESHOLD defaults to 60 s.
    inactiveThresholdMs: 60_000,
    // Real executors sweep hourly; a local fleet wants reaping to be visible, so 10 s.
    maintenanceIntervalMs: 10_000,
    maxRuntimes: 100,
    drainTimeoutMs: 30_000,
    legacyHealth: false,
    // The real executor's limit: 22 MiB (20 MiB body + multipart overhead).
    bodyLimitBytes: 22 * 1024 * 1024,
    // Open Runtimes caps a deployment at 30 MB compressed (_APP_FUNCTIONS_SIZE_LIMIT); unpacked
    // code is rarely more than a few times that.
    maxSourceBytes: 512 * 1024 * 1024,
    buildWorkers: SCHEMA_DEFAULTS.buildWorkers,
    buildQueue: SCHEMA_DEFAULTS.buildQueue,
    ...input,
    runtimeCommands: [...(input.runtimeCommands ?? []), ...DEFAULT_RUNTIME_COMMANDS],
    simulated: {
      coldStart: { kind: 'fixed', ms: 250 },
      execution: { kind: 'fixed', ms: 20 },
      concurrency: 8,
      // Roomy enough that the runtime cap (100 × 512 MB) binds first unless a benchmark lowers it.
      memoryMb: 65_536,
      seed: 1,
      ...input.simulated,
    },
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
