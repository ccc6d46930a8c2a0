import { slotNoise } from './draw.ts';
import type { Scenario } from './scenarios.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Noise that depends on the minute alone (not on the order of calls), so the history before t = 0
 * and the run read the same values: a fresh seeded draw per (seed, minute), uniform in [−1, 1).
 */
const minuteNoise = (seed: number) => slotNoise(seed, MIN);

/** A daily cycle: 0 at 04:00, 1 at 16:00 (a raised cosine), for t in ms since midnight UTC. */
function diurnal(t: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * (t - 4 * HOUR)) / DAY);
}

/** Business hours: 0 overnight, ramps 07:00–09:00 and 17:00–19:00, 1 in between. */
function businessHours(t: number): number {
  const h = (((t % DAY) + DAY) % DAY) / HOUR;
  if (h < 7 || h >= 19) return 0;
  if (h < 9) return (h - 7) / 2;
  if (h >= 17) return (19 - h) / 2;
  return 1;
}

/** daily-trend without its noise × `noise`: business hours, growing 15 % a day, plus 5-minute bursts. */
function businessTrend(t: number, noise: number): number {
  const growth = 1 + (0.15 * t) / DAY;
  const burst = Math.floor(t / MIN) % 5 === 0 ? 30 : 0;
  return (20 + 100 * businessHours(t)) * growth * noise + burst;
}

/** weekly without its noise: a daily cycle, a third of it at weekends. */
function weekdays(t: number): number {
  // The epoch (t = 0) is a Thursday: day 1 is a Friday, days 2 and 3 the weekend.
  const day = (((Math.floor(t / DAY) + 4) % 7) + 7) % 7; // 0 = Sunday
  const weekend = day === 0 || day === 6 ? 1 / 3 : 1;
  return (20 + 130 * diurnal(t)) * weekend;
}

const daily = minuteNoise(1);
const trend = minuteNoise(2);
const weekly = minuteNoise(3);

/**
 * Multi-day demand with seasons, trend and noise (issue 16). Each run starts with history before
 * t = 0, as a scaler reading Prometheus would. `daily` is the scenario the forecaster was developed
 * on; `daily-trend` and `weekly` were written afterwards and only measured (held out).
 */
export const SEASONAL_SCENARIOS: Record<string, Scenario> = {
  daily: {
    name: 'daily',
    description:
      'daily cycle 30 → 170 in flight (peak 16:00) ± 15 % minute noise, 2 days after 3 days of history',
    durationMs: 2 * DAY,
    demand: (t) => (30 + 140 * diurnal(t)) * (1 + 0.15 * daily(t)),
    expected: (t) => 30 + 140 * diurnal(t),
    initialHosts: 4,
    priorHistoryMs: 3 * DAY,
  },
  'daily-trend': {
    name: 'daily-trend',
    description:
      'business hours 20 → 120 in flight, growing 15 % a day, ± 20 % noise and 5-minute timer bursts (+30), 2 days after 3 days of history (held out)',
    durationMs: 2 * DAY,
    demand: (t) => businessTrend(t, 1 + 0.2 * trend(t)),
    expected: (t) => businessTrend(t, 1),
    initialHosts: 3,
    priorHistoryMs: 3 * DAY,
  },
  weekly: {
    name: 'weekly',
    description:
      'daily cycle 20 → 150 on weekdays, a third of it at weekends, ± 10 % noise; Thursday to Saturday after 15 days of history (held out)',
    durationMs: 3 * DAY,
    demand: (t) => weekdays(t) * (1 + 0.1 * weekly(t)),
    expected: weekdays,
    initialHosts: 3,
    priorHistoryMs: 15 * DAY,
  },
};
