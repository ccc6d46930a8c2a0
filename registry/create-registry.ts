import type { BackoffPolicy } from '../lib/backoff.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { RegistryError } from './errors.ts';
import { MemoryRegistry, type MemoryStore } from './memory-registry.ts';
import { redisConnector, type SentinelOptions } from './redis-connection.ts';
import { RedisRegistry } from './redis-registry.ts';
import type { HostRegistry } from './types.ts';

/** What `createRegistry` takes: the `registry` section of the configuration plus injected dependencies. */
export interface RegistryOptions {
  type: 'memory' | 'redis';
  /** `redis://`, `rediss://` (TLS), `redis-cluster://h1:p1,h2:p2`, `rediss-cluster://…`. */
  url?: string;
  /** Redis Sentinel instead of (or with, for the master's credentials/TLS) a URL. */
  sentinel?: SentinelOptions;
  /** Redis ACL user; overrides the one in `url`. */
  username?: string;
  /** Redis password (the master's, with Sentinel); overrides the one in `url`. */
  password?: string;
  /** Prefix of every key; default `fleetgate`. */
  keyPrefix?: string;
  /** Period of the full reload that backs up pub/sub; default `registry.reloadInterval` of the config schema (30 s). */
  reloadIntervalMs?: number;
  /** Bound on waiting for Redis per call; default 2000 ms. */
  commandTimeoutMs?: number;
  /** Reconnect backoff; default 100 ms doubling to 5 s, with jitter. */
  backoff?: BackoffPolicy;
  /** CA certificate (PEM file) for `rediss://` servers signed by a private CA. */
  tlsCaFile?: string;
  logger?: Logger;
  clock?: Clock;
  /** Memory only: share data between registries in one process. */
  store?: MemoryStore;
}

/** Key prefixes may not hold braces (they would move the hash tag) or whitespace. */
const PREFIX_PATTERN = /^[^{}\s]{1,64}$/;

/**
 * Builds the configured registry. Invalid options throw REGISTRY_INVALID_CONFIG naming the field.
 * A Redis registry returns at once and connects in the background, retrying with backoff.
 */
export function createRegistry(options: RegistryOptions): HostRegistry {
  const fail = (message: string): never => {
    throw new RegistryError('REGISTRY_INVALID_CONFIG', message);
  };
  if (options.keyPrefix !== undefined && !PREFIX_PATTERN.test(options.keyPrefix)) {
    fail(
      `registry.keyPrefix: must be 1-64 characters without braces or spaces, got ${JSON.stringify(options.keyPrefix)}`,
    );
  }
  if (
    options.reloadIntervalMs !== undefined &&
    !(Number.isFinite(options.reloadIntervalMs) && options.reloadIntervalMs > 0)
  ) {
    fail(`registry.reloadInterval: must be > 0 ms, got ${JSON.stringify(options.reloadIntervalMs)}`);
  }
  if (options.type === 'memory') {
    return new MemoryRegistry({ store: options.store, clock: options.clock, logger: options.logger });
  }
  if (options.type !== 'redis') {
    return fail(`registry.type: must be "memory" or "redis", got ${JSON.stringify(options.type)}`);
  }
  if (!options.url && !options.sentinel)
    fail('registry.url: required when registry.type is "redis" (or give registry.sentinel)');
  const connector = redisConnector({
    url: options.url,
    sentinel: options.sentinel,
    username: options.username,
    password: options.password,
    backoff: options.backoff,
    commandTimeoutMs: options.commandTimeoutMs,
    tlsCaFile: options.tlsCaFile,
  });
  return new RedisRegistry({
    connector,
    keyPrefix: options.keyPrefix,
    reloadIntervalMs: options.reloadIntervalMs,
    commandTimeoutMs: options.commandTimeoutMs,
    logger: options.logger,
    clock: options.clock,
  });
}
