import { z } from 'zod';
import { durationSchema } from '../../config/duration.ts';
import { poolNameSchema } from '../../config/schema/common.ts';
import { bufferSchema, forecastSchema, scheduleSchema } from './forecast-schema.ts';
import { parseFormula } from './formula.ts';
import { providerSchema, sourceSchema } from './shell-schema.ts';

/** A duration in milliseconds that must be > 0 (intervals, periods). */
const positiveDuration = durationSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' });

const count = (what: string) => z.number({ error: `must be a ${what}` }).int('must be a whole number');

/** One HPA-style rate policy: at most `value` hosts (or percent) of change per `period`. */
const ratePolicySchema = z
  .object({
    type: z.enum(['Hosts', 'Percent']).describe('Whether `value` counts hosts or a percentage of the count.'),
    value: z
      .number()
      .positive('must be > 0')
      .describe('How many hosts (or percent) may change per `period`.'),
    period: positiveDuration.describe('The period the change is measured over.'),
  })
  .strict();

function directionSchema(
  direction: 'up' | 'down',
  window: string,
  policies: z.input<typeof ratePolicySchema>[],
) {
  const [lowest, highest] = direction === 'up' ? ['lowest', 'up'] : ['highest', 'down'];
  return z
    .object({
      stabilizationWindow: durationSchema
        .prefault(window)
        .describe(
          `A scale-${highest} takes the ${lowest} recommendation of this window, so it must persist this long.`,
        ),
      policies: z
        .array(ratePolicySchema)
        .min(1, 'needs at least one policy')
        .prefault(policies)
        .describe(`Rate policies: how fast the count may go ${highest}.`),
      /** `max`: the policy allowing the largest change wins; `min`: the smallest; `disabled`: no change. */
      select: z
        .enum(['max', 'min', 'disabled'])
        .default('max')
        .describe(
          '`max`: the policy allowing the largest change applies; `min`: the smallest; `disabled`: no change.',
        ),
    })
    .strict()
    .prefault({})
    .describe(`How the scaler scales ${highest} (HPA \`behavior\`).`);
}

/** Metric names double as formula variables, hence the identifier syntax. */
const metricNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name of letters, digits and _ (not starting with a digit)')
  .refine((n) => !['min', 'max', 'ceil'].includes(n), 'must not be min, max or ceil (formula functions)');

const targetSchema = z
  .object({
    type: z
      .enum(['averagePerHost', 'value', 'utilization'])
      .describe(
        '`averagePerHost`: the value per active host; `value`: the value for the fleet; `utilization`: a 0–1 fraction for the fleet.',
      ),
    value: z.number().positive('must be > 0').describe('The target the metric is scaled toward.'),
  })
  .strict()
  .refine((t) => t.type !== 'utilization' || t.value <= 1, {
    message: 'a utilization target is a fraction between 0 and 1',
    path: ['value'],
  });

const metricSchema = z
  .object({
    name: metricNameSchema.describe(
      "The metric's name, unique in the policy; a variable in `combine.formula`.",
    ),
    query: z
      .string()
      .min(1, 'must not be empty')
      .describe('The query sent to the source (PromQL, or the subset the gateway source computes).'),
    target: targetSchema.describe('What the metric is scaled toward.'),
    /** The metric only counts when its value is above this. */
    activation: z
      .number()
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe('At or below this value the metric proposes zero hosts.'),
    /** What an empty result means: hold (no data), zero, or error (no data that counts toward the fallback). */
    onEmpty: z
      .enum(['hold', 'zero', 'error'])
      .default('hold')
      .describe(
        'An empty result: `hold` (no data, not counted toward the fallback), `zero` (reads 0) or `error` (no data, counted).',
      ),
  })
  .strict();

const combineSchema = z
  .union([
    z.literal('max', { error: 'must be max or { formula: "..." }' }),
    z
      .object({
        formula: z
          .string()
          .min(1, 'must not be empty')
          .describe('An expression over the metric names (+ − × ÷, min, max, ceil), in hosts.'),
      })
      .strict()
      .superRefine((c, ctx) => {
        const parsed = parseFormula(c.formula);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message, path: ['formula'] });
      }),
  ])
  .default('max')
  .describe("How the metrics' proposals combine: `max`, or `{ formula }`.");

const nullableCount = (min: number) => count('whole number or null').min(min, `must be ≥ ${min}`).nullable();

/** One pool's scaling policy, every default (docs/scaling-policy.md) filled in. */
export const policySchema = z
  .object({
    pool: poolNameSchema.default('default').describe('The pool of executor hosts this policy scales.'),
    mode: z
      .enum(['enforce', 'dryRun', 'paused'])
      .default('enforce')
      .describe(
        '`enforce` acts; `dryRun` decides and records but writes nothing to the registry; `paused` plans nothing.',
      ),
    interval: positiveDuration.prefault('15s').describe('Time between two evaluations (ticks).'),
    hosts: z
      .object({
        min: count('whole number')
          .min(0, 'must be ≥ 0')
          .default(1)
          .describe('The fewest hosts (0 needs `scaleToZero.enabled`).'),
        max: count('whole number').min(1, 'must be ≥ 1').default(20).describe('The most hosts.'),
      })
      .strict()
      .prefault({})
      .refine((h) => h.min <= h.max, { message: 'min must be ≤ max', path: ['min'] })
      .describe('Bounds of the host count.'),
    provider: providerSchema
      .prefault({ type: 'process' })
      .describe('What starts and stops hosts: `static`, `process`, `command` or `docker`.'),
    source: sourceSchema
      .prefault({ prometheus: {} })
      .describe('Where metric queries go: exactly one of `prometheus` or `gateway`.'),
    metrics: z
      .array(metricSchema)
      .min(1, 'needs at least one metric')
      .describe('The metrics the pool scales on (at least one).'),
    combine: combineSchema,
    tolerance: z
      .number()
      .min(0, 'must be ≥ 0')
      .max(1, 'must be ≤ 1')
      .default(0.1)
      .describe(
        'No change while |value ÷ target − 1| is at most this. With a trusted forecast the count still falls to what the forecast needs within it, and rises to the forecast while the history trends beyond its noise and this band.',
      ),
    scaleUp: directionSchema('up', '0s', [
      { type: 'Hosts', value: 4, period: '15s' },
      { type: 'Percent', value: 100, period: '15s' },
    ]),
    scaleDown: directionSchema('down', '300s', [{ type: 'Percent', value: 50, period: '60s' }]),
    panic: z
      .object({
        enabled: z.boolean().default(true).describe('Whether panic mode exists at all.'),
        threshold: z
          .number()
          .min(1, 'must be ≥ 1')
          .default(2)
          .describe('Enter panic when demand ÷ capacity, averaged over `window`, reaches this.'),
        window: positiveDuration.prefault('6s').describe('The window the panic ratio is averaged over.'),
        hold: durationSchema
          .prefault('60s')
          .describe('Panic ends this long after the last sample at or above the threshold.'),
      })
      .strict()
      .prefault({})
      .describe('Panic mode: scale up at once, never down, while demand is far above capacity.'),
    capacity: z
      .object({
        bootTimeout: positiveDuration
          .prefault('180s')
          .describe('A host still booting after this is replaced, once.'),
        countBooting: z.boolean().default(true).describe('Count booting hosts as capacity.'),
        bootTime: positiveDuration
          .prefault('45s')
          .describe(
            'How long a host usually takes to boot; the forecast looks this far plus one interval ahead.',
          ),
      })
      .strict()
      .prefault({})
      .describe('What counts as capacity.'),
    drain: z
      .object({
        select: z
          .enum(['fewestWarmRuntimes', 'leastInflight', 'newest', 'oldest'])
          .default('fewestWarmRuntimes')
          .describe('Which active host is drained first (booting hosts always go first).'),
        timeout: durationSchema
          .prefault('900s')
          .describe('A draining host is stopped after this even with requests in flight.'),
        warmRuntimeCost: durationSchema
          .prefault('0s')
          .describe(
            "What one warm runtime lost to a drain is worth, in host-time (a cold start's cost); a host is drained only if the host-time saved exceeds its warm runtimes × this. 0 prices nothing.",
          ),
        handoffWait: durationSchema
          .prefault('10s')
          .describe(
            "With a Redis registry and keep-warm on in the gateways: before draining a host the scaler announces it and waits at most this for the pool's keep-warm keeper to create the host's hot runtimes on their next owners (it drains at once when no gateway is keeper). 0 drains without announcing.",
          ),
      })
      .strict()
      .prefault({})
      .describe('How hosts are removed.'),
    fallback: z
      .object({
        afterFailures: count('whole number')
          .min(1, 'must be ≥ 1')
          .default(3)
          .describe('Ticks with no valid metric before the fallback applies.'),
        behavior: z
          .enum(['hold', 'static'])
          .default('hold')
          .describe('`hold` keeps the count; `static` scales up to `hosts` (never down).'),
        hosts: count('whole number')
          .min(0, 'must be ≥ 0')
          .optional()
          .describe('The count of the `static` fallback (required with it).'),
      })
      .strict()
      .prefault({})
      .refine((f) => f.behavior !== 'static' || f.hosts !== undefined, {
        message: 'behavior static needs hosts: N',
        path: ['hosts'],
      })
      .describe('What happens when no metric has data.'),
    startup: z
      .object({
        holdFor: durationSchema
          .prefault('60s')
          .describe('No scale-down for this long after the scaler (re)starts.'),
      })
      .strict()
      .prefault({})
      .describe('Behaviour right after a (re)start.'),
    budget: z
      .object({
        maxScaleEventsPerHour: nullableCount(1)
          .default(60)
          .describe('At most this many scale events in any hour (`null`: no cap).'),
        maxHosts: nullableCount(1)
          .default(null)
          .describe('A hard cap on hosts that holds even in panic (`null`: `hosts.max` only).'),
      })
      .strict()
      .prefault({})
      .describe('Churn and cost caps.'),
    scaleToZero: z
      .object({
        enabled: z.boolean().default(false).describe('Allow zero hosts (with `hosts.min: 0`).'),
        idleFor: durationSchema
          .prefault('15m')
          .describe('The combined proposal must be zero hosts for this long first.'),
      })
      .strict()
      .prefault({})
      .describe('Scaling to zero hosts, off by default.'),
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
