import { hostname } from 'node:os';
import { createDockerClient } from '../lib/docker/index.ts';
import type { Logger } from '../lib/logger.ts';
import { createDockerBackend, type DockerBackend } from './docker-backend.ts';
import { nameSafe } from './docker-labels.ts';
import { ExecutorError } from './errors.ts';
import type { ExecutorOptions } from './options.ts';

/** A docker backend with its engine connection. */
export interface StartedDockerBackend {
  backend: DockerBackend;
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
  const backend = createDockerBackend({
    client,
    network: settings.network,
    labelPrefix: settings.labelPrefix,
    owner: settings.owner || defaultOwner(options.port),
    pidsLimit: settings.pidsLimit,
    runtimePort: settings.runtimePort,
    workDir: io.workDir,
    ...(io.logsRoot ? { logsRoot: io.logsRoot } : {}),
    maxSourceBytes: options.maxSourceBytes,
    graceMs: options.executionGraceMs,
    logger: io.logger,
  });
  await backend.removeLeftovers();
  return { backend, close: () => client.close() };
}
