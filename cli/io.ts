/** What a command writes to; injected so tests capture output. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** A subcommand: `run` returns the exit code (0 ok, 1 failure, 2 usage). */
export interface Command {
  /** One line for `fleetgate --help`. */
  summary: string;
  run(argv: string[], io: CliIO): Promise<number>;
}
