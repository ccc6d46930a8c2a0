import type { FleetgateConfig } from '../config/load.ts';
import { createRegistry, type RegistryOptions } from './create-registry.ts';
import type { RedisConnectionOptions } from './redis-connection.ts';
import type { HostRegistry } from './types.ts';

/** The `registry` section of a loaded configuration. */
export type RegistryConfig = FleetgateConfig['registry'];

/** What a command may put over the configuration's registry section. */
export interface RegistryOverrides {
  /** A Redis URL given on the command line (`--redis`): selects Redis, replaces `url` and `sentinel`. */
  redisUrl?: string;
  /** Bound on waiting for Redis per call (an operator command wants a quick answer). */
  commandTimeoutMs?: number;
  /** Full-reload period instead of `registry.reloadInterval`. */
  reloadIntervalMs?: number;
}

/**
 * How to reach Redis per the configuration (url or Sentinel, credentials, TLS CA), or undefined when
 * the registry is in memory and no `redisUrl` override is given. Credentials stay separate options
 * (the connector lets them override the URL's own), so they never have to be spliced into a URL.
 */
export function redisConnectionFromConfig(
  r: RegistryConfig,
  overrides: RegistryOverrides = {},
): RedisConnectionOptions | undefined {
  if (overrides.redisUrl === undefined && r.type !== 'redis') return undefined;
  const options: RedisConnectionOptions = {};
  const url = overrides.redisUrl ?? r.url;
  if (url !== undefined) options.url = url;
  if (overrides.redisUrl === undefined && r.sentinel) {
    options.sentinel = { ...r.sentinel, sentinels: [...r.sentinel.sentinels] };
  }
  if (r.username !== undefined) options.username = r.username;
  if (r.password !== undefined) options.password = r.password;
  if (r.tlsCaFile !== undefined) options.tlsCaFile = r.tlsCaFile;
  if (overrides.commandTimeoutMs !== undefined) options.commandTimeoutMs = overrides.commandTimeoutMs;
  return options;
}

/**
 * The `createRegistry` options for a configuration: Redis (with everything
 * `redisConnectionFromConfig` reads, the key prefix and reload period) or memory.
 */
export function registryOptionsFromConfig(
  config: FleetgateConfig,
  deps: Pick<RegistryOptions, 'logger' | 'clock'> = {},
  overrides: RegistryOverrides = {},
): RegistryOptions {
  const r = config.registry;
  const connection = redisConnectionFromConfig(r, overrides);
  if (connection === undefined) return { type: 'memory', ...deps };
  return {
    type: 'redis',
    ...connection,
    keyPrefix: r.keyPrefix,
    reloadIntervalMs: overrides.reloadIntervalMs ?? r.reloadInterval,
    ...deps,
  };
}

/**
 * The shared (Redis) registry the configuration names, or undefined when it says `memory`: the one
 * mapping from configuration to registry that the gateway, scaler, `hosts` and `dev` commands use.
 */
export function sharedRegistryFromConfig(
  config: FleetgateConfig,
  deps: Pick<RegistryOptions, 'logger' | 'clock'> = {},
  overrides: RegistryOverrides = {},
): HostRegistry | undefined {
  const options = registryOptionsFromConfig(config, deps, overrides);
  return options.type === 'redis' ? createRegistry(options) : undefined;
}
