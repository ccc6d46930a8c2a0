import { type ParseArgsConfig, parseArgs } from 'node:util';
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
