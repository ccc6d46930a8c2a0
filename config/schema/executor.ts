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
  })
  .prefault({})
  .describe('The local executor.');
