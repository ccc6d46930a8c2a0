/** Base of every Fleetgate error: a stable machine-readable `code` plus a human message. */
export class FleetgateError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Wrong command-line usage: the CLI exits with status 2. */
export class UsageError extends FleetgateError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}
