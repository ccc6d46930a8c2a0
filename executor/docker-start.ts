import { hostname } from 'node:os';
import { createDockerClient } from '../lib/docker/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { BuildShell } from './build/shell.ts';
import { createDockerBackend, type DockerBackend } from './docker-backend.ts';
import { createDockerBuildShell } from './docker-build-shell.ts';
import { nameSafe } from './docker-labels.ts';
import { ExecutorError } from './errors.ts';
import type { ExecutorOptions } from './options.ts';

/** A docker backend with its engine connection. */
export interface StartedDockerBackend {
  backend: DockerBackend;
  /** Build commands in containers of the build's image. */
  buildShell: BuildShell;
  /** Closes the engine connection (after every runtime was stopped). */
  close(): Promise<void>;
}

/** The owner label's default: stable across restarts on the same host and port. */
export function defaultOwner(port: number): string {
  return `${nameSafe(hostname())}-${port === 0 ? `pid${process.pid}` : port}`;
}

/**
 * Connects to the engine (failing the start with a clear message when it does not answer), then
 * removes the containers an earlier run of this executor left behind (same owner label).
 */
export async function startDockerBackend(
  options: ExecutorOptions,
  io: { workDir: string; logsRoot: string | undefined; logger: Logger },
): Promise<StartedDockerBackend> {
  const settings = options.docker;
  const client = createDockerClient({ socketPath: settings.socket });
  try {
    await client.ping();
  } catch (error) {
    await client.close();
    throw new ExecutorError(
      'general_unknown',
      `executor.mode docker: ${(error as Error).message} (set executor.docker.socket)`,
      { cause: error },
    );
  }
  const owner = settings.owner || defaultOwner(options.port);
  const common = {
    client,
    network: settings.network,
    labelPrefix: settings.labelPrefix,
    owner,
    pidsLimit: settings.pidsLimit,
    logger: io.logger,
  };
  const backend = createDockerBackend({
    ...common,
    runtimePort: settings.runtimePort,
    workDir: io.workDir,
    ...(io.logsRoot ? { logsRoot: io.logsRoot } : {}),
    maxSourceBytes: options.maxSourceBytes,
    graceMs: options.executionGraceMs,
  });
  await backend.removeLeftovers();
  return { backend, buildShell: createDockerBuildShell(common), close: () => client.close() };
}
