import { type ParseArgsConfig, parseArgs } from 'node:util';
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
