import { readFileSync } from 'node:fs';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { type BackoffPolicy, backoffDelay, withJitter } from '../lib/backoff.ts';
import { redactUrl } from '../lib/redact.ts';
import { RegistryError } from './errors.ts';
import { parseNode, parseRedisUrl, type RedisNode } from './redis-url.ts';
import { SentinelSwitchWatcher } from './sentinel-switch.ts';

/** Bound on one Redis command and on waiting for a connection, unless configured otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/**
 * Redis reconnects: 100 ms doubling to 5 s. ioredis's own default caps at 5 s too (2^n × 50 ms);
 * starting at 100 ms keeps a gateway from hammering a Redis that is restarting.
 */
export const REDIS_RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5000 };

/** A Redis Sentinel setup: the master group name and the Sentinel addresses. */
export interface SentinelOptions {
  /** Master group name (`sentinel monitor <name> …`). */
  name: string;
  /** `host:port` of each Sentinel. */
  sentinels: string[];
  /** Password of the Sentinels themselves (ioredis `sentinelPassword`); the master's is `password`. */
  password?: string;
}

/** How to reach Redis: a URL, or Sentinel (optionally with a URL for the master's credentials/TLS). */
export interface RedisConnectionOptions {
  url?: string;
  sentinel?: SentinelOptions;
  /** Redis ACL user; overrides the one in `url`. */
  username?: string;
  /** Redis password (of the master, with Sentinel); overrides the one in `url`. */
  password?: string;
  /** Reconnect backoff; default 100 ms doubling to 5 s. */
  backoff?: BackoffPolicy;
  /** Bound on one command and on waiting for a connection; default 2000 ms. */
  commandTimeoutMs?: number;
  /** PEM file of the CA that signed the Redis server's certificate (`rediss://`); default: system CAs. */
  tlsCaFile?: string;
}

/** The two kinds of client the registry uses. */
export type RedisClient = Redis | Cluster;

/** Builds clients for one Redis deployment. */
export interface RedisConnector {
  /** Where it connects, with passwords redacted; for logs and errors. */
  describe: string;
  /**
   * A new client. `command` clients fail fast while disconnected (no offline queue, no retries of
   * in-flight commands); `subscriber` clients queue SUBSCRIBE until connected and resubscribe after.
   */
  create(role: 'command' | 'subscriber'): RedisClient;
}

/** Validates the connection options and returns a connector; throws REGISTRY_INVALID_CONFIG. */
export function redisConnector(options: RedisConnectionOptions): RedisConnector {
  const backoff = options.backoff ?? REDIS_RECONNECT_BACKOFF;
  const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  // ioredis counts `times` from 1; jitter spreads the reconnects of many gateways.
  const retryStrategy = (times: number) =>
    withJitter(backoffDelay(Math.max(1, times), backoff), Math.random());
  const roleOptions = (role: 'command' | 'subscriber'): RedisOptions =>
    role === 'command'
      ? // Fail fast: a caller gets REGISTRY_UNAVAILABLE instead of a command parked until Redis returns.
        { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null };

  if (options.sentinel) {
    const s = options.sentinel;
    const fail = (reason: string): never => {
      throw new RegistryError('REGISTRY_INVALID_CONFIG', `registry.sentinel: ${reason}`);
    };
    if (!s.name) fail('name: must be the master group name, got an empty value');
    if (!Array.isArray(s.sentinels) || s.sentinels.length === 0) {
      fail('sentinels: must list at least one host:port');
    }
    const sentinels = s.sentinels.map((entry) =>
      parseNode(entry, (reason) => fail(`sentinels: ${JSON.stringify(entry)}: ${reason}`)),
    );
    const master = options.url ? parseRedisUrl(options.url) : undefined;
    if (master && master.kind !== 'standalone') fail('url: must be redis:// or rediss:// with Sentinel');
    const sentinelConnection: RedisOptions = { retryStrategy };
    if (s.password) sentinelConnection.password = s.password;
    const watcher = new SentinelSwitchWatcher({ name: s.name, sentinels, connection: sentinelConnection });
    // Right after a switch, retry at once: the first attempt may still have been told the old master.
    const masterRetry = (times: number) => watcher.retryDelayAfterSwitch() ?? retryStrategy(times);
    const base: RedisOptions = {
      name: s.name,
      sentinels,
      retryStrategy: masterRetry,
      sentinelRetryStrategy: masterRetry,
      lazyConnect: false,
    };
    if (s.password) base.sentinelPassword = s.password;
    if (master?.kind === 'standalone') {
      if (master.username) base.username = master.username;
      if (master.password) base.password = master.password;
      base.db = master.db;
      if (master.tls) {
        base.tls = tlsOptions(options.tlsCaFile);
        base.enableTLSForSentinelMode = true;
      }
    }
    if (options.username) base.username = options.username;
    if (options.password) base.password = options.password;
    if (base.enableTLSForSentinelMode && base.tls) sentinelConnection.tls = base.tls;
    return {
      describe: `sentinel ${s.name} via ${sentinels.map(nodeName).join(',')}`,
      create: (role) => {
        const client = new Redis({ ...base, ...roleOptions(role) });
        watcher.track(client);
        return client;
      },
    };
  }

  if (!options.url) {
    throw new RegistryError('REGISTRY_INVALID_CONFIG', 'registry.url: required for a Redis registry');
  }
  const target = parseRedisUrl(options.url);
  const describe = redactUrl(options.url);
  const tls = target.tls ? tlsOptions(options.tlsCaFile) : undefined;
  const auth: RedisOptions = {};
  const username = options.username ?? target.username;
  const password = options.password ?? target.password;
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (tls) auth.tls = tls;

  if (target.kind === 'cluster') {
    return {
      describe,
      create: (role) => {
        const { enableOfflineQueue, ...perNode } = roleOptions(role);
        const clusterOptions: ClusterOptions = {
          enableOfflineQueue,
          clusterRetryStrategy: retryStrategy,
          redisOptions: { ...auth, ...perNode },
        };
        return new Cluster(target.nodes, clusterOptions);
      },
    };
  }
  return {
    describe,
    create: (role) =>
      new Redis({
        host: target.host,
        port: target.port,
        db: target.db,
        ...auth,
        retryStrategy,
        ...roleOptions(role),
      }),
  };
}

/** TLS options for `rediss://`: the system CAs, or the given CA file. */
function tlsOptions(caFile: string | undefined): { ca?: Buffer } {
  return caFile ? { ca: readFileSync(caFile) } : {};
}

function nodeName(node: RedisNode): string {
  return `${node.host}:${node.port}`;
}
