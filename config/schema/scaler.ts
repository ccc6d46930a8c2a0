import { z } from 'zod';
import { durationSchema } from '../duration.ts';
import { bindHostSchema, portSchema } from './common.ts';

/** The `scaler` section: the autoscaler process (one leader per pool). */
export const scalerSchema = z
  .strictObject({
    host: bindHostSchema
      .default('127.0.0.1')
      .describe(
        'Address of the scaler HTTP server (metrics, explain); loopback unless set (`0.0.0.0` in containers).',
      ),
    port: portSchema.default(9091).describe('Port of the scaler HTTP server.'),
    policyFile: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'Scaling policy YAML (docs/scaling-policy.md); relative paths are resolved from the config file.',
      ),
    leaseTtl: durationSchema
      .prefault('15s')
      .describe('Leader lock lifetime; a standby takes over this long after the leader dies.'),
  })
  .prefault({})
  .describe('The scaler.');
