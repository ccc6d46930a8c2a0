import { z } from 'zod';
import { durationSchema } from '../../config/duration.ts';
import { bufferSchema, forecastSchema, scheduleSchema } from './forecast-schema.ts';
import { parseFormula } from './formula.ts';
import { providerSchema, sourceSchema } from './shell-schema.ts';

/** A duration in milliseconds that must be > 0 (intervals, periods). */
const positiveDuration = durationSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' });

const count = (what: string) => z.number({ error: `must be a ${what}` }).int('must be a whole number');

/** One HPA-style rate policy: at most `value` hosts (or percent) of change per `period`. */
const ratePolicySchema = z
  .object({
    type: z.enum(['Hosts', 'Percent']),
    value: z.number().positive('must be > 0'),
    period: positiveDuration,
  })
  .strict();

function directionSchema(window: number, policies: z.input<typeof ratePolicySchema>[]) {
  return z
    .object({
      stabilizationWindow: durationSchema.default(window),
      policies: z.array(ratePolicySchema).min(1, 'needs at least one policy').prefault(policies),
      /** `max`: the policy allowing the largest change wins; `min`: the smallest; `disabled`: no change. */
      select: z.enum(['max', 'min', 'disabled']).default('max'),
    })
    .strict()
    .prefault({});
}

/** Metric names double as formula variables, hence the identifier syntax. */
const metricNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name of letters, digits and _ (not starting with a digit)')
  .refine((n) => !['min', 'max', 'ceil'].includes(n), 'must not be min, max or ceil (formula functions)');

const targetSchema = z
  .object({
    type: z.enum(['averagePerHost', 'value', 'utilization']),
    value: z.number().positive('must be > 0'),
  })
  .strict()
  .refine((t) => t.type !== 'utilization' || t.value <= 1, {
    message: 'a utilization target is a fraction between 0 and 1',
    path: ['value'],
  });

const metricSchema = z
  .object({
    name: metricNameSchema,
    query: z.string().min(1, 'must not be empty'),
    target: targetSchema,
    /** The metric only counts when its value is above this. */
    activation: z.number().min(0, 'must be ≥ 0').default(0),
    /** What an empty result means: hold (no data), zero, or error (no data that counts toward the fallback). */
    onEmpty: z.enum(['hold', 'zero', 'error']).default('hold'),
  })
  .strict();

const combineSchema = z.union([
  z.literal('max', { error: 'must be max or { formula: "..." }' }),
  z
    .object({ formula: z.string().min(1, 'must not be empty') })
    .strict()
    .superRefine((c, ctx) => {
      const parsed = parseFormula(c.formula);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message, path: ['formula'] });
    }),
]);

const nullableCount = (min: number) => count('whole number or null').min(min, `must be ≥ ${min}`).nullable();

/** One pool's scaling policy, every default from SCALING-POLICY.md filled in. */
export const policySchema = z
  .object({
    pool: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, - and _')
      .default('default'),
    mode: z.enum(['enforce', 'dryRun', 'paused']).default('enforce'),
    interval: positiveDuration.default(15_000),
    hosts: z
      .object({
        min: count('whole number').min(0, 'must be ≥ 0').default(1),
        max: count('whole number').min(1, 'must be ≥ 1').default(20),
      })
      .strict()
      .prefault({})
      .refine((h) => h.min <= h.max, { message: 'min must be ≤ max', path: ['min'] }),
    provider: providerSchema.prefault({ type: 'process' }),
    source: sourceSchema.prefault({ prometheus: {} }),
    metrics: z.array(metricSchema).min(1, 'needs at least one metric'),
    combine: combineSchema.default('max'),
    tolerance: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1').default(0.1),
    scaleUp: directionSchema(0, [
      { type: 'Hosts', value: 4, period: 15_000 },
      { type: 'Percent', value: 100, period: 15_000 },
    ]),
    scaleDown: directionSchema(300_000, [{ type: 'Percent', value: 50, period: 60_000 }]),
    panic: z
      .object({
        enabled: z.boolean().default(true),
        threshold: z.number().min(1, 'must be ≥ 1').default(2),
        window: positiveDuration.default(6_000),
        hold: durationSchema.default(60_000),
      })
      .strict()
      .prefault({}),
    capacity: z
      .object({
        bootTimeout: positiveDuration.default(180_000),
        countBooting: z.boolean().default(true),
        bootTime: positiveDuration
          .default(45_000)
          .describe(
            'How long a host usually takes to boot; the forecast looks this far plus one interval ahead.',
          ),
      })
      .strict()
      .prefault({}),
    drain: z
      .object({
        select: z
          .enum(['fewestWarmRuntimes', 'leastInflight', 'newest', 'oldest'])
          .default('fewestWarmRuntimes'),
        timeout: durationSchema.default(900_000),
        warmRuntimeCost: durationSchema
          .default(0)
          .describe(
            "What one warm runtime lost to a drain is worth, in host-time (a cold start's cost); a host is drained only if the host-time saved exceeds its warm runtimes × this. 0 prices nothing.",
          ),
      })
      .strict()
      .prefault({}),
    fallback: z
      .object({
        afterFailures: count('whole number').min(1, 'must be ≥ 1').default(3),
        behavior: z.enum(['hold', 'static']).default('hold'),
        hosts: count('whole number').min(0, 'must be ≥ 0').optional(),
      })
      .strict()
      .prefault({})
      .refine((f) => f.behavior !== 'static' || f.hosts !== undefined, {
        message: 'behavior static needs hosts: N',
        path: ['hosts'],
      }),
    startup: z
      .object({ holdFor: durationSchema.default(60_000) })
      .strict()
      .prefault({}),
    budget: z
      .object({
        maxScaleEventsPerHour: nullableCount(1).default(60),
        maxHosts: nullableCount(1).default(null),
      })
      .strict()
      .prefault({}),
    scaleToZero: z
      .object({ enabled: z.boolean().default(false), idleFor: durationSchema.default(900_000) })
      .strict()
      .prefault({}),
    forecast: forecastSchema,
    buffer: bufferSchema,
    schedule: scheduleSchema,
  })
  .strict()
  .superRefine((p, ctx) => {
    const names = p.metrics.map((m) => m.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate metric name "${name}"`,
          path: ['metrics', i, 'name'],
        });
      }
    });
    if (typeof p.combine === 'object') {
      const parsed = parseFormula(p.combine.formula);
      for (const name of parsed.ok ? parsed.names : []) {
        if (!names.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown metric "${name}" (metrics: ${names.join(', ')})`,
            path: ['combine', 'formula'],
          });
        }
      }
    }
    if (p.hosts.min === 0 && !p.scaleToZero.enabled) {
      ctx.addIssue({
        code: 'custom',
        message: 'min 0 needs scaleToZero.enabled: true (scaling to zero is opt-in)',
        path: ['hosts', 'min'],
      });
    }
  });

/** A validated policy with every default filled in; durations in milliseconds. */
export type Policy = z.output<typeof policySchema>;
/** A policy as written in YAML (most fields optional). */
export type PolicyInput = z.input<typeof policySchema>;
