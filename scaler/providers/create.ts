import type { Logger } from '../../lib/logger.ts';
import type { ProviderConfig } from '../policy/shell-schema.ts';
import { createCommandProvider } from './command.ts';
import { createDockerProvider } from './docker.ts';
import { createProcessProvider } from './process.ts';
import { createStaticProvider } from './static.ts';
import { createSwarmProvider } from './swarm.ts';
import type { HostProvider } from './types.ts';

/** What building a provider from a policy needs besides the policy. */
export interface ProviderContext {
  pool: string;
  logger: Logger;
  /** The executor secret the process provider hands its executors (the gateway's executorSecret). */
  executorSecret: string;
  /** Extra `fleetgate executor` arguments for the process provider (e.g. `--mode simulated`). */
  executorArgs?: string[];
  /** Whether closing the process or docker provider stops its executors (`fleetgate dev`); default false. */
  stopOnClose?: boolean;
  /** Where the process provider's executors log (`<logDir>/<host id>.log`); default: a new private folder. */
  logDir?: string;
  /** How long the process provider waits for an executor to stop before SIGKILL. */
  stopTimeoutMs?: number;
}

/** Builds the policy's provider (`static`, `process`, `command`, `docker` or `swarm`). */
export function createProvider(config: ProviderConfig, context: ProviderContext): HostProvider {
  switch (config.type) {
    case 'static':
      return createStaticProvider({ hosts: [...config.hosts], logger: context.logger });
    case 'process':
      return createProcessProvider({
        pool: context.pool,
        executorSecret: context.executorSecret,
        executorArgs: context.executorArgs ?? [],
        stopOnClose: context.stopOnClose ?? false,
        logger: context.logger,
        ...(context.logDir === undefined ? {} : { logDir: context.logDir }),
        ...(context.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: context.stopTimeoutMs }),
      });
    case 'command':
      return createCommandProvider({
        pool: context.pool,
        create: config.create,
        destroy: config.destroy,
        timeoutMs: config.timeout,
        logger: context.logger,
      });
    case 'docker':
      return createDockerProvider({
        pool: context.pool,
        config,
        executorSecret: context.executorSecret,
        stopOnClose: context.stopOnClose ?? false,
        logger: context.logger,
      });
    case 'swarm':
      return createSwarmProvider({
        pool: context.pool,
        config,
        executorSecret: context.executorSecret,
        stopOnClose: context.stopOnClose ?? false,
        logger: context.logger,
      });
  }
}
