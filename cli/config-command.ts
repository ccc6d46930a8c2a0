import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../lib/errors.ts';
import { redactConfig } from '../lib/redact.ts';
import { parseCommandArgs } from './args.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate config check [FILE...] [options]

Validates Fleetgate configuration files (YAML) together with the environment (OPR_PROXY_* and
FLEETGATE_* variables, see the README's Configuration section) and prints each resolved
configuration as YAML with defaults filled in and secrets masked. Durations are printed in
milliseconds and sizes in bytes. Without FILE, the file named by FLEETGATE_CONFIG is checked.

Options:
  --json         Print the resolved configuration (or the errors) as JSON
  --ignore-env   Check the files alone, without environment overrides
  -h, --help     Show this help

Exit status: 0 when every file is valid, 1 when one is not (errors on stderr, each with the
field path, the value and file:line:column), 2 on bad usage.
`;

const OPTIONS = {
  json: { type: 'boolean' },
  'ignore-env': { type: 'boolean' },
} as const;

async function check(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const env = values['ignore-env'] ? {} : io.env;
  const files =
    positionals.length > 0 ? positionals : io.env.FLEETGATE_CONFIG ? [io.env.FLEETGATE_CONFIG] : [];
  if (files.length === 0) throw new UsageError('config check needs a FILE (or FLEETGATE_CONFIG)');

  let status = 0;
  const results: { file: string; config?: unknown; errors?: { code: string; issues: unknown[] } }[] = [];
  for (const file of files) {
    try {
      const config = redactConfig(await loadConfig({ file, env }));
      results.push({ file, config });
      if (!values.json) {
        if (files.length > 1) io.stdout.write(results.length > 1 ? `---\n# ${file}\n` : `# ${file}\n`);
        io.stdout.write(stringify(config));
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      status = 1;
      results.push({ file, errors: { code: error.code, issues: [...error.issues] } });
      if (!values.json) {
        const lines = error.issues.map((i) => `  ${formatIssue(i)}`).join('\n');
        io.stderr.write(`fleetgate config check: ${file}: ${error.message.split('\n')[0]}\n${lines}\n`);
      }
    }
  }
  if (values.json) {
    const valid = results.filter((r) => r.config !== undefined);
    const invalid = results.filter((r) => r.errors !== undefined);
    const shape = (list: typeof results, key: 'config' | 'errors') =>
      files.length === 1 ? list[0]?.[key] : Object.fromEntries(list.map((r) => [r.file, r[key]]));
    if (valid.length > 0) io.stdout.write(`${JSON.stringify(shape(valid, 'config'), null, 2)}\n`);
    if (invalid.length > 0) io.stderr.write(`${JSON.stringify(shape(invalid, 'errors'), null, 2)}\n`);
  }
  return status;
}

/** `fleetgate config check FILE...`: validate configuration files and print them resolved, secrets masked. */
export const configCommand: Command = {
  summary: 'Validate configuration files and print them resolved, with secrets masked',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined) {
      io.stderr.write(HELP);
      return 2;
    }
    if (sub === '-h' || sub === '--help' || sub === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    if (sub !== 'check') throw new UsageError(`unknown subcommand "${sub}" (expected: check)`);
    return check(rest, io);
  },
};
