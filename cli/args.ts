import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.ts';
import { portSchema } from '../config/schema/common.ts';
import { UsageError } from '../lib/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a subcommand's arguments with node:util parseArgs; unknown options and bad values
 * become a UsageError (exit 2) naming what was wrong.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A `--port` value, by the configuration's own rule (`portSchema`: a whole number from 0 to 65535,
 * 0 for any free port), so every command and the config file accept the same ports.
 */
export function parsePortOption(raw: string, option = 'port'): number {
  const n = Number(raw);
  if (raw.trim() === '' || !portSchema.safeParse(n).success) {
    throw new UsageError(`--${option}: expected a whole number from 0 to 65535, got "${raw}"`);
  }
  return n;
}

/** Where the client commands (`fleet`, `runtimes`, `load`) find the gateway when told nothing. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/**
 * The gateway origin of a client command: `--gateway`, else `FLEETGATE_GATEWAY_URL`, else the
 * default; anything but an http(s) URL is a UsageError naming the value.
 */
export function parseGatewayOption(raw: string | undefined, env: NodeJS.ProcessEnv): string {
  const value = raw ?? env.FLEETGATE_GATEWAY_URL ?? DEFAULT_GATEWAY_URL;
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.origin;
  } catch {
    throw new UsageError(`--gateway must be an http(s) URL like ${DEFAULT_GATEWAY_URL}, got "${value}"`);
  }
}

/** A `--timeout` duration in ms (at least 1), `fallback` when absent; a bad one is a UsageError. */
export function parseTimeoutOption(raw: string | undefined, fallback = '5s'): number {
  const timeout = parseDuration(raw ?? fallback);
  if (!timeout.ok) throw new UsageError(`--timeout ${timeout.message}`);
  return Math.max(1, timeout.value);
}
