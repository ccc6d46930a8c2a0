import { z } from 'zod';
import { bindHostSchema, portSchema, secretSchema } from './common.ts';

/** The `executor` section: the local executor that speaks the Open Runtimes executor API. */
export const executorSchema = z
  .strictObject({
    host: bindHostSchema.default('0.0.0.0').describe('Address the local executor listens on.'),
    port: portSchema.default(9900).describe('Port the local executor listens on (0: any free port).'),
    secret: secretSchema
      .optional()
      .describe('Clients (the gateway) must send `Authorization: Bearer <secret>`.'),
    mode: z
      .enum(['process', 'simulated'])
      .default('process')
      .describe(
        '`process`: runtimes are child processes; `simulated`: timers model cold start and execution.',
      ),
    runtimeCommand: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Command template that starts one runtime server (default: the built-in Node runtime).'),
    hostname: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Name this executor reports and registers under (default: the machine host name).'),
    buildWorkers: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 64')
      .max(64, 'must be between 1 and 64')
      .default(2)
      .describe(
        'Builds (creates with a `command`) this executor runs at once; more wait in the build queue, so a burst of builds does not starve executions.',
      ),
    buildQueue: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be between 0 and 10000')
      .max(10_000, 'must be between 0 and 10000')
      .default(64)
      .describe('Builds that may wait for a build worker; one more is refused with 503 `build_queue_full`.'),
  })
  .prefault({})
  .describe('The local executor.');
