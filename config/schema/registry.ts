import { z } from 'zod';
import { readRedisUrl } from '../../registry/redis-url.ts';
import { durationSchema } from '../duration.ts';
import { hostPortSchema, secretSchema } from './common.ts';

/** A `redis://`, `rediss://`, `redis-cluster://h1:p1,h2:p2` or `rediss-cluster://…` URL, read as the registry reads it. */
export const redisUrlSchema = z
  .string({ error: 'must be a string' })
  .superRefine((text, ctx) => {
    const parsed = readRedisUrl(text);
    if ('error' in parsed)
      ctx.addIssue({ code: 'custom', message: `Redis URL ${parsed.error}`, input: text });
  })
  .meta({ kind: 'Redis URL' });

const sentinelSchema = z
  .strictObject({
    name: z.string().min(1, 'must not be empty').describe('Name of the master set the sentinels watch.'),
    sentinels: z
      .array(hostPortSchema)
      .min(1, 'must list at least one sentinel')
      .describe('Sentinel addresses, `host:port`.'),
    password: secretSchema
      .optional()
      .describe('Password of the sentinels themselves (ioredis `sentinelPassword`).'),
  })
  .describe('Redis Sentinel: ioredis asks these sentinels for the current master.');

/** The `registry` section: where the host registry lives. */
export const registrySchema = z
  .strictObject({
    type: z
      .enum(['memory', 'redis'])
      .default('memory')
      .describe(
        '`memory`: one process only (the embedded default); `redis`: shared by every gateway and scaler.',
      ),
    url: redisUrlSchema
      .optional()
      .describe(
        "Redis to use: `redis://[user:pass@]host[:port][/db]`, `rediss://` for TLS, `redis-cluster://h1:p1,h2:p2` (`rediss-cluster://` over TLS); with `sentinel`, only the master's credentials, database and TLS.",
      ),
    sentinel: sentinelSchema.optional(),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits and _ . : -')
      .default('fleetgate')
      .describe('First part of every Redis key (`<keyPrefix>:{<pool>}:hosts`).'),
    reloadInterval: durationSchema
      .prefault('30s')
      .describe('Full reload of the host set on this period, in case a pub/sub message was lost.'),
    username: z.string().min(1).optional().describe('Redis ACL user name (overrides the one in `url`).'),
    password: secretSchema.optional().describe('Redis password (overrides the one in `url`).'),
    tlsCaFile: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'PEM file of the CA that signed the Redis server certificate (`rediss://`); default: the system CAs. Relative paths are resolved from the config file.',
      ),
  })
  .superRefine((registry, ctx) => {
    if (registry.type === 'redis' && registry.url === undefined && registry.sentinel === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'is required when type is redis (or set sentinel)',
      });
    }
    // With Sentinel a url may only carry the master's credentials, database and TLS (redis://, rediss://).
    if (registry.url !== undefined && registry.sentinel !== undefined) {
      const target = readRedisUrl(registry.url);
      if (!('error' in target) && target.kind === 'cluster') {
        ctx.addIssue({
          code: 'custom',
          path: ['sentinel'],
          message:
            'cannot be combined with a Cluster url; with Sentinel, url may only be redis:// or rediss://',
        });
      }
    }
    if (registry.type === 'memory') {
      for (const key of ['url', 'sentinel'] as const) {
        if (registry[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'is set but type is memory; set type: redis',
          });
        }
      }
    }
  })
  .prefault({})
  .describe('Host registry.');

/** The registry section with nothing set: the one source of the registry's defaults (key prefix, reload period). */
export const REGISTRY_DEFAULTS = registrySchema.parse(undefined);
