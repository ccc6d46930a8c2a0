import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Field paths that may hold a secret; pino replaces their values before anything is written. */
export const REDACT_PATHS = [
  'secret',
  'password',
  'token',
  'authorization',
  '*.secret',
  '*.password',
  '*.token',
  '*.authorization',
  '*.executorSecret',
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
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
