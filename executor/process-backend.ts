import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
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
import { prepareSource } from './source.ts';
import { waitForRuntime } from './wait-runtime.ts';

/** Settings of the process backend. */
export interface ProcessBackendOptions {
  runtimeCommands: RuntimeCommand[];
  /** Extracted sources and log files go under here. */
  workDir: string;
  /** Where runtimes write `<logId>_logs.log` files; default `<workDir>/logs`. */
  logsRoot?: string;
  /** Most bytes one `.tar.gz` source may unpack to. */
  maxSourceBytes: number;
  logger: Logger;
}

/** Connection-level headers of the runtime's response, not the function's (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
]);

/** Longest output line kept (a runtime may write one 64 KiB chunk without a newline). */
const MAX_LINE_CHARS = 8 * 1024;

/** Time a runtime gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 2_000;

/**
 * Runtimes as child processes started from the image's command template, with the Open Runtimes
 * environment (`OPEN_RUNTIMES_SECRET`, `OPEN_RUNTIMES_ENTRYPOINT`, `PORT`) and the function folder
 * as working directory. An IPC channel ties our Node runtime's life to this process.
 */
export function createProcessBackend(options: ProcessBackendOptions): RuntimeBackend {
  let counter = 0;
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
            const runtime = await spawnRuntime(template, spec, cwd, logsDir, context, options.logger);
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

/** Spawns one runtime process on a fresh port and waits until it answers its health check. */
async function spawnRuntime(
  template: string,
  spec: RuntimeSpec,
  cwd: string,
  logsDir: string,
  context: StartContext,
  logger: Logger,
): Promise<ProcessRuntime> {
  const port = await freePort();
  const values: Record<string, string> = {
    runtimeServer: NODE_RUNTIME_SERVER,
    entrypoint: spec.entrypoint,
    port: String(port),
    source: cwd,
  };
  const argv = template
    .trim()
    .split(/\s+/)
    .map((part) => part.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m));
  const [command, ...args] = argv;
  const child = spawn(command === 'node' ? process.execPath : command!, args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...spec.variables,
      OPEN_RUNTIMES_SECRET: spec.key,
      OPEN_RUNTIMES_ENTRYPOINT: spec.entrypoint,
      OPEN_RUNTIMES_ENV: 'production',
      OPEN_RUNTIMES_HEADERS: '{}',
      OPEN_RUNTIMES_LOGS_DIR: logsDir,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const runtime = new ProcessRuntime(child, port, spec, logsDir, context);
  logger.debug({ runtimeId: spec.id, pid: child.pid, port }, 'runtime process spawned');
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
  private readonly pool: Pool;
  private readonly tail: string[] = [];
  private stopping = false;
  private exitListener: ((reason: string) => void) | undefined;

  constructor(
    private readonly child: ChildProcess,
    port: number,
    private readonly spec: RuntimeSpec,
    private readonly logsDir: string,
    context: StartContext,
  ) {
    this.pid = child.pid;
    this.memoryMb = spec.memoryMb;
    this.pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
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
        void this.pool.destroy().catch(() => {});
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

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const logId = Math.random().toString(36).slice(2, 14);
    const headers: Record<string, string> = {
      ...request.headers,
      'x-open-runtimes-secret': this.spec.key,
      'x-open-runtimes-timeout': String(Math.max(1, Math.ceil(request.timeoutMs / 1000))),
      'x-open-runtimes-logging': request.logging ? 'enabled' : 'disabled',
      'x-open-runtimes-log-id': logId,
    };
    delete headers['content-length'];
    delete headers.host;
    for (const name of HOP_BY_HOP) delete headers[name];
    let response: Awaited<ReturnType<Pool['request']>>;
    let body: Buffer;
    try {
      response = await this.pool.request({
        method: request.method as 'GET',
        path: request.path,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'UND_ERR_INVALID_ARG') {
        throw new ExecutorError(
          'execution_bad_request',
          `Invalid execution request: ${(error as Error).message}`,
        );
      }
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new ExecutorError(
          'execution_timeout',
          `Timed out waiting for execution (${request.timeoutMs} ms).`,
        );
      }
      throw new ExecutorError(
        'runtime_failed',
        `Runtime failed during the execution: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const headersOut: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(response.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headersOut[k] = v;
    }
    const id = String(response.headers['x-open-runtimes-log-id'] ?? logId);
    const [logs, errors] = request.logging ? this.readLogs(id) : ['', ''];
    return { statusCode: response.statusCode, headers: headersOut, body, logs, errors };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * Reads and deletes the runtime's `<logId>_logs.log` / `_errors.log`. Synchronous on purpose:
   * the files are a few bytes, and the thread-pool round trips of fs/promises cost more CPU than
   * the reads (measured: ~30 % of executor CPU under load with the async version).
   */
  private readLogs(id: string): [string, string] {
    const read = (file: string) => {
      const path = join(this.logsDir, file);
      try {
        const text = readFileSync(path, 'utf8');
        unlinkSync(path);
        return text;
      } catch {
        return '';
      }
    };
    return [read(`${id}_logs.log`), read(`${id}_errors.log`)];
  }
}
