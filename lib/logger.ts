import { type Logger, type LoggerOptions, pino } from 'pino';
import { LOGGED_SECRET_FIELDS, MASK } from './redact.ts';

export type { Logger } from 'pino';

/**
 * Field paths that may hold a secret; pino replaces their values before anything is written. Pino
 * matches exact names, so these are the secret fields by name (each a secret's name by the rule of
 * lib/redact.ts, which a test checks against every secret field of the configuration schema).
 */
export const REDACT_PATHS = [
  ...LOGGED_SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'headers["x-open-runtimes-secret"]',
];

/** Options for the process-wide root logger. */
export interface CreateLoggerOptions {
  level?: string;
  name?: string;
  /** Where to write; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** Creates the root JSON logger; components take `logger.child({ component })` from it. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? process.env.FLEETGATE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: MASK },
  };
  if (options.name) pinoOptions.name = options.name;
  return options.destination
    ? pino(pinoOptions, options.destination as pino.DestinationStream)
    : pino(pinoOptions);
}

/** A logger that discards everything; for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
