import { REGISTRY_DEFAULTS } from '../config/schema/registry.ts';

/** Default prefix of every registry key (`fleetgate:{pool}:…`): `registry.keyPrefix` in the config schema. */
export const DEFAULT_KEY_PREFIX = REGISTRY_DEFAULTS.keyPrefix;

/** Every Redis key and channel name of one pool, built in this one place. */
export interface PoolKeys {
  /** Hash: host id → host JSON. */
  hosts: string;
  /** Integer bumped (INCR) by the same script as every change to `hosts`. */
  version: string;
  /** Pub/sub channel; each change publishes the new version. */
  changed: string;
  /** Scaler leader lock (`SET NX PX`). */
  leader: string;
  /** Capped list of scaler decision records. */
  decisions: string;
  /** Prefix of the runtime create locks (`SET NX PX`), one key per runtime id after it. */
  createLock: string;
  /** Keep-warm keeper lease (`SET NX PX`): the one gateway of the pool that pre-warms and deletes. */
  keeper: string;
  /** Stream of the gateways' batched call observations (capped), which the keeper merges. */
  keepWarmCalls: string;
  /** Hash: host id → deadline (ms) of a drain the scaler announced and waits to be acknowledged. */
  drainIntents: string;
  /** Hash: host id → time (ms) the keeper finished the warm handoff of that host's runtimes. */
  drainAcks: string;
}

/**
 * Key names for a pool. The pool sits in a hash tag (`{pool}`) so Redis Cluster keeps all of a
 * pool's keys on one slot, which multi-key scripts require.
 */
export function poolKeys(pool: string, prefix: string = DEFAULT_KEY_PREFIX): PoolKeys {
  const base = `${prefix}:{${pool}}`;
  return {
    hosts: `${base}:hosts`,
    version: `${base}:version`,
    changed: `${base}:changed`,
    leader: `${base}:leader`,
    decisions: `${base}:decisions`,
    createLock: `${base}:create:`,
    keeper: `${base}:keeper`,
    keepWarmCalls: `${base}:keepwarm:calls`,
    drainIntents: `${base}:drain:intents`,
    drainAcks: `${base}:drain:acks`,
  };
}

/** The pool of a `changed` channel name, or undefined if the channel is not one of ours. */
export function poolOfChannel(channel: string, prefix: string = DEFAULT_KEY_PREFIX): string | undefined {
  const head = `${prefix}:{`;
  const tail = '}:changed';
  if (!channel.startsWith(head) || !channel.endsWith(tail)) return undefined;
  return channel.slice(head.length, channel.length - tail.length);
}
