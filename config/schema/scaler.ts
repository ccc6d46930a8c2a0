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
      .describe(
        'Leader lock lifetime: a standby takes over at most this long (plus one retry, a third of it) after the leader dies; a leader stopped with SIGTERM releases it at once.',
      ),
    // Below Kubernetes' default terminationGracePeriodSeconds (30 s), so the scaler ends on its own.
    shutdownTimeout: durationSchema
      .prefault('10s')
      .describe(
        'Longest time SIGTERM waits for the tick in progress and the leader-lock release; past it the scaler exits anyway (Redis down or hung).',
      ),
  })
  .prefault({})
  .describe('The scaler.');
