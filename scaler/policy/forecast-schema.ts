/**
 * The policy blocks of predictive scaling: `forecast`, `buffer` and `schedule` (schema.ts holds
 * the rest). Every field carries its default and a description here, the one place they live.
 */
import { z } from 'zod';
import { durationSchema } from '../../config/duration.ts';
import { parseCron } from './cron.ts';

const positiveDuration = durationSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' });

/**
 * The forecaster. Defaults: 1-minute steps over 15 days (two weekly seasons), candidate seasons
 * from the 5-minute cycles of timer-triggered functions up to a week, an 80 % upper bound checked
 * over the last 2 hours, trusted up to a 35 % relative error, from 15 minutes of history. The
 * quantile starts at 0.8 and is steered by the reactive budget (budgetMargin, scaler/forecast/budget.ts);
 * bench:scaler's frontier tables show every fixed choice on every workload.
 */
export const forecastSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Scale on a forecast of each averagePerHost metric as well as on its current value: up ahead of predicted demand by capacity.bootTime + interval, down along the forecast instead of after scaleDown.stabilizationWindow.',
      ),
    step: positiveDuration
      .prefault('1m')
      .describe('History resolution: the forecaster keeps the peak of each step.'),
    lookback: positiveDuration
      .prefault('15d')
      .describe('History read (a Prometheus range query at start, then each tick in memory).'),
    seasons: z
      .array(positiveDuration)
      .prefault(['5m', '10m', '15m', '30m', '1h', '1d', '7d'])
      .describe(
        'Candidate seasonal periods; the backtest picks the one the data has (a season needs two of itself plus errorWindow of history).',
      ),
    quantile: z
      .number()
      .gt(0, 'must be > 0')
      .lt(1, 'must be < 1')
      .default(0.8)
      .describe(
        'Coverage of the upper bound provisioned for: the quantile of past forecast errors added to the forecast; without a forecast rise the bound is capped at the highest peak of errorWindow.',
      ),
    missRate: z
      .number()
      .gt(0, 'must be > 0')
      .lt(0.5, 'must be < 0.5')
      .nullable()
      .default(null)
      .describe(
        'Adaptive quantile: the target share of ticks led by a trusted forecast where demand exceeds the active hosts. Set, the quantile starts at `quantile`, goes up by adaptGain × (1 − missRate) after a miss and down by adaptGain × missRate otherwise (0.5–0.99); null: fixed.',
      ),
    budgetMargin: z
      .number()
      .min(0, 'must be ≥ 0')
      .lt(1, 'must be < 1')
      .nullable()
      .default(0.05)
      .describe(
        "Reactive budget (with missRate null): the scaler carries a shadow of what the policy without its forecast would have provisioned and counts the ticks where demand exceeded its active hosts and where it exceeded the real ones; the quantile is `quantile` + budgetGain × (real misses − (1 − budgetMargin) × shadow misses), within 0.5–0.99, so the forecast spends at most the reactive policy's under-provisioning less this share. null: fixed quantile.",
      ),
    budgetGain: z
      .number()
      .gt(0, 'must be > 0')
      .max(0.1, 'must be ≤ 0.1')
      .default(0.003)
      .describe('How far one missed tick moves the budgeted quantile (see budgetMargin).'),
    adaptGain: z
      .number()
      .gt(0, 'must be > 0')
      .max(0.1, 'must be ≤ 0.1')
      .default(0.01)
      .describe('How far one tick moves the adaptive quantile (see missRate).'),
    maxError: z
      .number()
      .gt(0, 'must be > 0')
      .default(0.35)
      .describe(
        'Relative error (mean absolute error ÷ mean demand over errorWindow) above which the forecast is not trusted.',
      ),
    errorWindow: positiveDuration
      .prefault('2h')
      .describe('How far back forecasts are compared with what happened.'),
    minHistory: positiveDuration
      .prefault('15m')
      .describe(
        "With less history the policy is reactive alone (the backtest needs 10 scored steps plus the lead's 2–3 at the 1-minute step anyway).",
      ),
  })
  .strict()
  .superRefine((f, ctx) => {
    f.seasons.forEach((season, i) => {
      if (season < 2 * f.step || season % f.step !== 0) {
        ctx.addIssue({
          code: 'custom',
          message: `a season must be a whole number of steps, at least two (step ${f.step / 1000}s), got ${season / 1000}s`,
          path: ['seasons', i],
        });
      }
    });
    if (f.errorWindow < 10 * f.step) {
      ctx.addIssue({ code: 'custom', message: 'must cover at least 10 steps', path: ['errorWindow'] });
    }
  })
  .prefault({})
  .describe('Predictive scaling: a forecast of demand from the metric history, off by default.');

/** Spare hosts on top of what the metrics ask for. */
export const bufferSchema = z
  .object({
    hosts: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe('Spare hosts kept on top of the proposal.'),
    percent: z
      .number()
      .min(0, 'must be ≥ 0')
      .default(0)
      .describe(
        'Spare hosts as a percentage of the proposal (rounded up); the larger of hosts and percent applies.',
      ),
  })
  .strict()
  .prefault({})
  .describe('Spare hosts kept above what the metrics ask for.');

/** One scheduled floor: from each time `cron` fires, for `for`, at least `min` hosts. */
const floorSchema = z
  .object({
    cron: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseCron(text);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      })
      .describe('When the window opens: a five-field cron expression in UTC, e.g. "0 8 * * 1-5".'),
    for: positiveDuration.describe('How long the window stays open.'),
    min: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be ≥ 0')
      .describe('Hosts kept at least while it is open.'),
  })
  .strict();

/** Scheduled floors (cron-like windows with a minimum). */
export const scheduleSchema = z
  .array(floorSchema)
  .default([])
  .describe('Windows with a minimum host count (a known daily peak, a batch job), on top of hosts.min.');
