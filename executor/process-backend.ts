import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from '../lib/free-port.ts';
import type { Logger } from '../lib/logger.ts';
import type {
  ExecutionRequest,
  ExecutionResult,
  RuntimeBackend,
  RuntimeInstance,
  RuntimeSpec,
  StartContext,
} from './backend.ts';
import { confineEntrypoint } from './confine.ts';
import { ExecutorError } from './errors.ts';
import { commandForImage, NODE_RUNTIME_SERVER, type RuntimeCommand } from './options.ts';
import { openRuntimesEnvironment } from './runtime-env.ts';
import { RUNTIME_GRACE_MS, RuntimeHttp } from './runtime-http.ts';
import { prepareSource } from './source.ts';
import { waitForRuntime } from './wait-runtime.ts';
import { createRuntimeWatchdog, type RuntimeWatchdog } from './watchdog.ts';

/** Settings of the process backend. */
export interface ProcessBackendOptions {
  runtimeCommands: RuntimeCommand[];
  /** Extracted sources and log files go under here. */
  workDir: string;
  /** Where runtimes write `<logId>_logs.log` files; default `<workDir>/logs`. */
  logsRoot?: string;
  /** Most bytes one `.tar.gz` source may unpack to. */
  maxSourceBytes: number;
  /** How long past an execution's timeout to wait for the runtime's answer (default 5 s). */
  graceMs?: number;
  /** Inherited environment of every runtime (executor/runtime-env.ts; default PATH and HOME). */
  environment?: Record<string, string>;
  logger: Logger;
}

/** Longest output line kept (a runtime may write one 64 KiB chunk without a newline). */
const MAX_LINE_CHARS = 8 * 1024;

/** Time a runtime gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 2_000;

/**
 * Runtimes as child processes started from the image's command template, with the Open Runtimes
 * environment (executor/runtime-env.ts, `OPEN_RUNTIMES_LOGS_DIR`, `PORT`) and the function folder
 * as working directory. Each leads its own process group; a watchdog process kills the groups if
 * this process dies (an IPC channel also tells Fleetgate's own Node runtime at once).
 */
export function createProcessBackend(options: ProcessBackendOptions): RuntimeBackend {
  let counter = 0;
  const watchdog = createRuntimeWatchdog();
  const settings: SpawnSettings = {
    logger: options.logger,
    watchdog,
    graceMs: options.graceMs ?? RUNTIME_GRACE_MS,
    environment: options.environment ?? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  };
  return {
    mode: 'process',
    async start(spec: RuntimeSpec, context: StartContext): Promise<RuntimeInstance> {
      const template = commandForImage(spec.image, options.runtimeCommands);
      if (!template)
        throw new ExecutorError('runtime_failed', `No runtime command for image "${spec.image}".`);
      const name = `${spec.id}-${process.pid}-${++counter}`;
      const prepared =
        spec.source === ''
          ? { dir: options.workDir, remove: async () => {} }
          : await prepareSource(spec.source, join(options.workDir, 'src'), name, options.maxSourceBytes);
      const cwd = prepared.dir;
      try {
        // The entrypoint's real path must be inside the source (a symlink may not lead out).
        await confineEntrypoint(cwd, spec.entrypoint, 'runtime_failed');
        // A free port can be taken between the probe and the runtime's bind (parallel tests, other
        // executors): a start that failed with EADDRINUSE is retried on a new port.
        for (let attempt = 1; ; attempt++) {
          try {
            const logsDir = join(options.logsRoot ?? join(options.workDir, 'logs'), `${name}-${attempt}`);
            await mkdir(logsDir, { recursive: true, mode: 0o700 });
            const runtime = await spawnRuntime(template, spec, cwd, logsDir, context, settings);
            // An extracted source lives as long as its runtime (issue 18: they piled up until exit).
            void runtime.exited.then(() => prepared.remove());
            context.log('Runtime listening');
            return runtime;
          } catch (error) {
            if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
          }
        }
      } catch (error) {
        await prepared.remove();
        throw error instanceof ExecutorError
          ? new ExecutorError(error.type, hidePaths(error.message, [cwd, options.workDir]), { cause: error })
          : error;
      }
    },
  };
}

/** Replaces absolute folders in a message (a runtime's stack trace) with placeholders. */
function hidePaths(message: string, folders: string[]): string {
  let out = message.split(dirname(NODE_RUNTIME_SERVER)).join('<runtime>');
  for (const folder of folders) if (folder !== '') out = out.split(folder).join('<source>');
  return out;
}

/** What every spawn shares. */
interface SpawnSettings {
  logger: Logger;
  watchdog: RuntimeWatchdog;
  graceMs: number;
  environment: Record<string, string>;
}

/**
 * Spawns one runtime process on a fresh port and waits until it answers its health check. The
 * runtime leads its own process group, which the watchdog kills if this executor dies.
 */
async function spawnRuntime(
  template: string,
  spec: RuntimeSpec,
  cwd: string,
  logsDir: string,
  context: StartContext,
  settings: SpawnSettings,
): Promise<ProcessRuntime> {
  const port = await freePort();
  const values: Record<string, string> = {
    runtimeServer: NODE_RUNTIME_SERVER,
    entrypoint: spec.entrypoint,
    port: String(port),
    source: cwd,
    logsDir,
  };
  const argv = template
    .trim()
    .split(/\s+/)
    .map((part) => part.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m));
  const [command, ...args] = argv;
  const child = spawn(command === 'node' ? process.execPath : command!, args, {
    cwd,
    env: {
      ...settings.environment,
      ...spec.variables,
      ...openRuntimesEnvironment(spec),
      OPEN_RUNTIMES_LOGS_DIR: logsDir,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: stopped (and killed by the watchdog) as a whole, children included.
    detached: true,
  });
  if (child.pid !== undefined) settings.watchdog.watch(child.pid);
  const runtime = new ProcessRuntime(child, port, spec, logsDir, context, settings);
  settings.logger.debug({ runtimeId: spec.id, pid: child.pid, port }, 'runtime process spawned');
  try {
    await waitForRuntime(`http://127.0.0.1:${port}`, runtime.exited, context.signal);
  } catch (error) {
    await runtime.stop();
    const tail = runtime.outputTail();
    throw error instanceof ExecutorError
      ? new ExecutorError(error.type, tail ? `${error.message}\n${tail}` : error.message)
      : error;
  }
  return runtime;
}

class ProcessRuntime implements RuntimeInstance {
  readonly pid: number | undefined;
  readonly memoryMb: number;
  /** Resolves with a reason when the process ends. */
  readonly exited: Promise<string>;
  private readonly http: RuntimeHttp;
  private readonly tail: string[] = [];
  private stopping = false;
  private exitListener: ((reason: string) => void) | undefined;

  constructor(
    private readonly child: ChildProcess,
    port: number,
    spec: RuntimeSpec,
    private readonly logsDir: string,
    context: StartContext,
    settings: SpawnSettings,
  ) {
    this.pid = child.pid;
    this.memoryMb = spec.memoryMb;
    this.http = new RuntimeHttp(`http://127.0.0.1:${port}`, spec.key, logsDir, settings.graceMs);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        context.log(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut)` : line);
        this.tail.push(line.slice(0, 1000));
        if (this.tail.length > 20) this.tail.shift();
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    // Without an IPC reader the channel would keep nothing alive, but errors must not throw.
    child.on('error', (error) => onLine(Buffer.from(`spawn error: ${error.message}`)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve(reason);
        this.killGroup('SIGKILL');
        if (this.pid !== undefined) settings.watchdog.unwatch(this.pid);
        void this.http.close();
        void rm(this.logsDir, { recursive: true, force: true }).catch(() => {});
        if (!this.stopping) this.exitListener?.(reason);
      });
      child.once('error', () => resolve('failed to spawn'));
    });
  }

  outputTail(): string {
    return this.tail.join('\n');
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  execute(request: ExecutionRequest): Promise<ExecutionResult> {
    return this.http.execute(request);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killGroup('SIGTERM');
    const timer = setTimeout(() => this.killGroup('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Signals the runtime's whole process group (what it started too); the process alone as a fallback. */
  private killGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    }
  }
}

export { MAX_LOG_BYTES, RUNTIME_GRACE_MS } from './runtime-http.ts';
