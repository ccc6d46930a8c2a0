import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BindMount, DockerClient } from '../lib/docker/index.ts';
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
import { dockerFailure } from './docker-errors.ts';
import { nameSafe, ownerFilter, runtimeLabels } from './docker-labels.ts';
import { ExecutorError } from './errors.ts';
import { openRuntimesEnvironment } from './runtime-env.ts';
import { RuntimeHttp } from './runtime-http.ts';
import { prepareSource } from './source.ts';
import { waitForRuntime } from './wait-runtime.ts';

/** Where a runtime container finds its function (the working directory) and its log folder. */
export const CONTAINER_SOURCE_DIR = '/usr/local/server/src/function';
export const CONTAINER_LOGS_DIR = '/mnt/logs';

/** How long a broken execution waits for the engine to report its container's exit. */
const OOM_SETTLE_MS = 5_000;

/** Settings of the docker backend (config `executor.docker.*`, resolved). */
export interface DockerBackendOptions {
  client: DockerClient;
  /** `host`, `bridge` or a network's name. */
  network: string;
  labelPrefix: string;
  /** The owner label's value: stable across restarts of this executor. */
  owner: string;
  pidsLimit: number;
  /** Port runtimes listen on inside their container on a non-host network. */
  runtimePort: number;
  /** Extracted sources go under here. */
  workDir: string;
  logsRoot?: string;
  maxSourceBytes: number;
  graceMs: number;
  logger: Logger;
}

/** The docker backend, plus the sweep of containers an earlier run of this executor left. */
export interface DockerBackend extends RuntimeBackend {
  /** Removes every container carrying this executor's owner label; returns how many. */
  removeLeftovers(): Promise<number>;
}

/**
 * Runtimes as containers, as open-runtimes/executor's Docker runner makes them: the image the create
 * names, the function folder mounted read-only as the working directory, a log folder mounted at
 * /mnt/logs, the Open Runtimes environment, the create's `cpus` and `memory` and a pids limit
 * enforced by the engine, and ownership labels. On the host network a runtime listens on a free
 * port given in `PORT`; on any other network on `runtimePort` at the container's address.
 */
export function createDockerBackend(options: DockerBackendOptions): DockerBackend {
  const { client, logger } = options;
  let counter = 0;
  return {
    mode: 'docker',
    async removeLeftovers() {
      const found = await client.containers.list(ownerFilter(options.labelPrefix, options.owner));
      await Promise.all(found.map((c) => client.containers.remove(c.id, { force: true })));
      if (found.length > 0)
        logger.info(
          { count: found.length, owner: options.owner },
          'removed containers left by an earlier run',
        );
      return found.length;
    },
    async start(spec: RuntimeSpec, context: StartContext): Promise<RuntimeInstance> {
      const name = `${spec.id}-${process.pid}-${++counter}`;
      const prepared =
        spec.source === ''
          ? undefined
          : await prepareSource(spec.source, join(options.workDir, 'src'), name, options.maxSourceBytes);
      try {
        if (prepared) await confineEntrypoint(prepared.dir, spec.entrypoint, 'runtime_failed');
        // On the host network a runtime binds a port of the host: one taken between the probe
        // and the bind fails the start, which is retried on another port.
        for (let attempt = 1; ; attempt++) {
          const logsDir = join(options.logsRoot ?? join(options.workDir, 'logs'), `${name}-${attempt}`);
          await mkdir(logsDir, { recursive: true });
          // The image's user may not be root: the folder is writable for it (its parent is private).
          await chmod(logsDir, 0o777);
          try {
            const runtime = await startContainer(spec, prepared?.dir, logsDir, context, options);
            void runtime.gone.then(() => prepared?.remove());
            context.log('Runtime listening');
            return runtime;
          } catch (error) {
            await rm(logsDir, { recursive: true, force: true }).catch(() => {});
            if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
          }
        }
      } catch (error) {
        await prepared?.remove();
        throw dockerFailure(error, spec.image);
      }
    },
  };
}

async function startContainer(
  spec: RuntimeSpec,
  sourceDir: string | undefined,
  logsDir: string,
  context: StartContext,
  options: DockerBackendOptions,
): Promise<DockerRuntime> {
  const { client } = options;
  const hostNetwork = options.network === 'host';
  const port = hostNetwork ? await freePort() : options.runtimePort;
  const binds: BindMount[] = [{ source: logsDir, target: CONTAINER_LOGS_DIR }];
  if (sourceDir) binds.push({ source: sourceDir, target: CONTAINER_SOURCE_DIR, readOnly: true });
  const id = await client.containers.create({
    image: spec.image,
    name: `${options.labelPrefix}-${nameSafe(spec.hostname)}`,
    // A host-network container shares the host's name; elsewhere it gets the runtime's own.
    ...(hostNetwork ? {} : { hostname: spec.hostname }),
    // The create's runtimeEntrypoint runs as the real executor runs it; else the image's command.
    ...(spec.runtimeEntrypoint ? { cmd: ['bash', '-c', spec.runtimeEntrypoint] } : {}),
    env: {
      ...spec.variables,
      ...openRuntimesEnvironment(spec),
      OPEN_RUNTIMES_LOGS_DIR: CONTAINER_LOGS_DIR,
      // Fleetgate's runtime server binds 127.0.0.1 unless told: on its own network it must answer outside.
      ...(hostNetwork ? {} : { OPEN_RUNTIMES_LISTEN_HOST: '0.0.0.0' }),
      PORT: String(port),
    },
    workingDir: CONTAINER_SOURCE_DIR,
    binds,
    labels: runtimeLabels(options.labelPrefix, options.owner, spec.id, spec.build ? 'build' : 'runtime'),
    networkMode: options.network,
    limits: { memoryBytes: spec.memoryMb * 1024 * 1024, cpus: spec.cpus, pids: options.pidsLimit },
  });
  const runtime = new DockerRuntime(id, spec, logsDir, context, options);
  try {
    await client.containers.start(id);
    runtime.watch();
    const host = hostNetwork ? '127.0.0.1' : await containerAddress(client, id, options.network);
    await runtime.connect(`http://${host}:${port}`);
    options.logger.debug(
      { runtimeId: spec.id, container: id.slice(0, 12), port },
      'runtime container started',
    );
    await waitForRuntime(runtime.url, runtime.exited, context.signal);
  } catch (error) {
    const tail = runtime.outputTail();
    await runtime.stop();
    if (error instanceof ExecutorError && tail)
      throw new ExecutorError(error.type, `${error.message}\n${tail}`, { status: error.status });
    throw error;
  }
  return runtime;
}

async function containerAddress(client: DockerClient, id: string, network: string): Promise<string> {
  const info = await client.containers.inspect(id);
  const address = info.networks[network]?.ipAddress || Object.values(info.networks)[0]?.ipAddress;
  if (!address)
    throw new ExecutorError(
      'runtime_failed',
      `The runtime container has no address on network "${network}".`,
      {
        status: 500,
      },
    );
  return address;
}

/** A running runtime container. */
class DockerRuntime implements RuntimeInstance {
  readonly pid = undefined;
  readonly memoryMb: number;
  url = '';
  /** Resolves with a reason when the container stops running. */
  readonly exited: Promise<string>;
  /** Resolves once the container is removed (or could not be). */
  readonly gone: Promise<void>;
  private resolveExited!: (reason: string) => void;
  private resolveGone!: () => void;
  private http: RuntimeHttp | undefined;
  private readonly tail: string[] = [];
  private readonly follow = new AbortController();
  private stopping: Promise<void> | undefined;
  private exitListener: ((reason: string) => void) | undefined;
  private oomKilled = false;

  constructor(
    readonly id: string,
    private readonly spec: RuntimeSpec,
    private readonly logsDir: string,
    private readonly context: StartContext,
    private readonly options: DockerBackendOptions,
  ) {
    this.memoryMb = spec.memoryMb;
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.gone = new Promise((resolve) => {
      this.resolveGone = resolve;
    });
  }

  /** Follows the container's output into the runtime's log and waits for it to stop. */
  watch(): void {
    const { client } = this.options;
    const onData = (_stream: 'stdout' | 'stderr', data: Buffer) => {
      for (const line of data.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.context.log(line.length > 8192 ? `${line.slice(0, 8192)}… (line cut)` : line);
        this.tail.push(line.slice(0, 1000));
        if (this.tail.length > 20) this.tail.shift();
      }
    };
    void client.containers.followLogs(this.id, onData, { signal: this.follow.signal }).catch(() => {});
    void client.containers
      .wait(this.id, { signal: this.follow.signal })
      .then(async ({ exitCode }) => {
        let reason = `exited with code ${exitCode}`;
        try {
          const info = await client.containers.inspect(this.id);
          this.oomKilled = info.state.oomKilled;
          if (this.oomKilled)
            reason = `was killed by the engine: out of memory (limit ${this.spec.memoryMb} MB)`;
        } catch {
          // removed meanwhile: the exit code says enough
        }
        return reason;
      })
      .catch((error: unknown) =>
        this.follow.signal.aborted ? 'was stopped' : `was lost: ${(error as Error).message}`,
      )
      .then((reason) => this.ended(reason));
  }

  connect(url: string): void {
    this.url = url;
    this.http = new RuntimeHttp(url, this.spec.key, this.logsDir, this.options.graceMs);
  }

  outputTail(): string {
    return this.tail.join('\n');
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    if (!this.http) throw new ExecutorError('runtime_failed', 'Runtime is not started.', { status: 500 });
    try {
      return await this.http.execute(request);
    } catch (error) {
      // A connection cut by an OOM kill says "socket closed"; say what happened instead.
      if (error instanceof ExecutorError && error.type === 'runtime_failed' && (await this.wasOomKilled()))
        throw new ExecutorError(
          'runtime_failed',
          `The runtime was killed by the engine during the execution: out of memory (limit ${this.spec.memoryMb} MB).`,
          { status: 500, cause: error },
        );
      throw error;
    }
  }

  /**
   * Whether the engine OOM-killed the container. The connection breaks as the kernel kills the
   * process; the engine records the kill a moment later, when the container has exited: wait for
   * that (bounded), then look.
   */
  private async wasOomKilled(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, OOM_SETTLE_MS)))]);
    clearTimeout(timer);
    if (this.oomKilled) return true;
    try {
      return (await this.options.client.containers.inspect(this.id)).state.oomKilled;
    } catch {
      return false;
    }
  }

  /** Removes the container (killing it), stops following it; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.options.client.containers.remove(this.id, { force: true });
      } catch (error) {
        this.options.logger.warn(
          { err: error, container: this.id.slice(0, 12) },
          'could not remove a runtime container',
        );
      }
      this.follow.abort();
      this.ended('was stopped');
      await this.http?.close();
      await rm(this.logsDir, { recursive: true, force: true }).catch(() => {});
      this.resolveGone();
    })();
    return this.stopping;
  }

  private endedOnce = false;
  private ended(reason: string): void {
    if (this.endedOnce) return;
    this.endedOnce = true;
    this.resolveExited(reason);
    if (!this.stopping) {
      this.options.logger.info(
        { runtimeId: this.spec.id, container: this.id.slice(0, 12), reason },
        'runtime container ended',
      );
      // It stopped by itself: remove it (and its log folder) as a stop would, then let the table
      // drop the runtime, so a runtime gone from the table has no container left.
      void this.stop().then(() => this.exitListener?.(`Runtime container ${reason}`));
    }
  }
}
