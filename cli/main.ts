import { FleetgateError, UsageError } from '../lib/errors.ts';
import { packageVersion } from '../lib/version.ts';
import { COMMANDS } from './commands.ts';
import { type CliIO, processIO } from './io.ts';

/** The package version, read from package.json. */
export function version(): string {
  return packageVersion();
}

/** Top-level help text listing every subcommand. */
export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: fleetgate <command> [options]',
    '',
    'Load balancer and autoscaler for Open Runtimes executor fleets.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     Show help (also: fleetgate <command> --help)',
    '  -v, --version  Print the version',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`fleetgate: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`fleetgate ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof FleetgateError) {
      io.stderr.write(`fleetgate ${name}: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(
      `fleetgate ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
