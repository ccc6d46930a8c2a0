import type { Clock } from '../../lib/clock.ts';
import type { RedisConnectionOptions } from '../../registry/redis-connection.ts';
import { memoryCoordination } from './memory.ts';
import { redisCoordination } from './redis.ts';
import type { Coordination } from './types.ts';

/** Options of {@link createCoordination}. */
export interface CreateCoordinationOptions {
  /** The registry's Redis; absent with the memory registry. */
  connection: RedisConnectionOptions | undefined;
  keyPrefix?: string;
  clock: Clock;
}

/**
 * The coordination that goes with the registry: Redis beside a Redis registry, so every scaler of a
 * pool competes for one lock; memory with the memory registry, where this scaler is the only one.
 */
export function createCoordination(options: CreateCoordinationOptions): Coordination {
  return options.connection === undefined
    ? memoryCoordination({ clock: options.clock })
    : redisCoordination({
        connection: options.connection,
        ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
      });
}
