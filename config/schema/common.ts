import { z } from 'zod';
import { parseExecutorUrl } from '../../lib/executor-url.ts';
import { POOL_NAME_PATTERN, POOL_NAME_RULE } from '../../lib/pool-name.ts';
import { parseHostPort } from '../addresses.ts';

/** A TCP port; 0 asks the kernel for a free one (tests, the dev fleet). */
export const portSchema = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65_535, 'must be between 0 and 65535');

/** An address to listen on (`0.0.0.0`, `127.0.0.1`, `::`, a host name). */
export const bindHostSchema = z.string().trim().min(1, 'must not be empty');

/** A shared secret or token; never printed (see lib/redact.ts). */
export const secretSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .meta({ kind: 'secret' });

/** A `host:port` pair (port required), e.g. a Redis Sentinel. */
export const hostPortSchema = z
  .string()
  .refine((text) => parseHostPort(text)?.port !== undefined, { message: 'must be host:port' })
  .meta({ kind: 'host:port' });

/**
 * An executor address: `host[:port]` (no scheme, as in `OPR_PROXY_EXECUTORS`) or an `http(s)://` URL.
 * Output: a base URL without a trailing slash (`exec1:3000` → `http://exec1:3000`).
 */
export const executorAddressSchema = z
  .string({ error: 'must be a string' })
  .transform((text, ctx) => {
    const result = parseExecutorUrl(text);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.reason, input: text });
      return z.NEVER;
    }
    return result.url;
  })
  .meta({ kind: 'executor address' });

/** A pool name (`lib/pool-name.ts`): the config's `pool` and a scaling policy's `pool`. */
export const poolNameSchema = z
  .string({ error: 'must be a string' })
  .regex(POOL_NAME_PATTERN, POOL_NAME_RULE);
