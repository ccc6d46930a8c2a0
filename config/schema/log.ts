import { z } from 'zod';

/** The `log` section: pino settings shared by every process. */
export const logSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Log level; `debug` adds one line per request.'),
  })
  .prefault({})
  .describe('Logging (JSON lines on stdout).');
