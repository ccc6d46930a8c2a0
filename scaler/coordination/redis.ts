import { settlesWithin } from '../../lib/deadline.ts';
import { poolKeys } from '../../registry/keys.ts';
import { createLeaderLock } from '../../registry/leader-lock.ts';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  type RedisConnectionOptions,
  redisConnector,
} from '../../registry/redis-connection.ts';
import { DEFAULT_DECISION_CAP, redisDecisionLog } from '../loop/decision-log.ts';
import type { Coordination } from './types.ts';

/** Options of {@link redisCoordination}. */
export interface RedisCoordinationOptions {
  /** The registry's Redis (url or Sentinel, credentials, TLS): locks and log sit beside the pools. */
  connection: RedisConnectionOptions;
  /** Key prefix of the registry (`registry.keyPrefix`); keys come from registry/keys.ts. */
  keyPrefix?: string;
  decisionCap?: number;
}

/**
 * Coordination in Redis, on one command connection of its own: the leader lock at the pool's
 * `leader` key (`SET NX PX` + compare-and-extend + compare-and-delete scripts) and the capped
 * decision list at its `decisions` key, which `fleetgate policy explain` reads.
 */
export function redisCoordination(options: RedisCoordinationOptions): Coordination {
  const client = redisConnector(options.connection).create('command');
  // Errors surface on the commands themselves (the locks answer false, the log's writer logs).
  client.on('error', () => {});
  const keys = (pool: string) => poolKeys(pool, options.keyPrefix);
  const isReady = () => client.status === 'ready';
  return {
    kind: 'redis',
    leaderLock: (pool, token, ttlMs) => createLeaderLock({ client, key: keys(pool).leader, token, ttlMs }),
    decisions: redisDecisionLog(
      client,
      (pool) => keys(pool).decisions,
      options.decisionCap ?? DEFAULT_DECISION_CAP,
    ),
    async ready(waitMs = options.connection.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS) {
      if (isReady()) return true;
      let listener: (() => void) | undefined;
      await settlesWithin(
        new Promise<void>((resolve) => {
          listener = resolve;
          client.once('ready', resolve);
        }),
        waitMs,
      );
      if (listener) client.off('ready', listener);
      return isReady();
    },
    onConnected(listener) {
      client.on('ready', listener);
      return () => {
        client.off('ready', listener);
      };
    },
    async close() {
      client.disconnect();
    },
  };
}
