import { z } from 'zod';
import { poolNameSchema } from './common.ts';
import { executorSchema } from './executor.ts';
import { gatewaySchema } from './gateway.ts';
import { logSchema } from './log.ts';
import { registrySchema } from './registry.ts';
import { scalerSchema } from './scaler.ts';

/** The whole Fleetgate configuration: one YAML file plus environment overrides; unknown keys are errors. */
export const configSchema = z.strictObject({
  pool: poolNameSchema.default('default').describe('Name of the executor pool this process serves.'),
  log: logSchema,
  registry: registrySchema,
  gateway: gatewaySchema,
  scaler: scalerSchema,
  executor: executorSchema,
});

/** What the YAML file may contain (before defaults and parsing). */
export type FleetgateConfigInput = z.input<typeof configSchema>;

/** The resolved configuration: durations in milliseconds, sizes in bytes, executor addresses as URLs. */
export type ResolvedConfig = z.output<typeof configSchema>;
