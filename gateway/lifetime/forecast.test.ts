import { describe, expect, it } from 'vitest';
import { type ForecastRules, forecastIdle, MAX_RECENT_IDLE_TIMES, recordRecentIdle } from './forecast.ts';
import { type LifetimeRules, planLifetime } from './policy.ts';
import { historyOf as calledAfter, MIN, TEST_RULES } from './test-support.ts';

const FORECAST: ForecastRules = { enabled: true, samples: 8, minSamples: 3, maxWindow: 30 * MIN };
const RULES: LifetimeRules = { ...TEST_RULES, forecast: FORECAST };

describe('forecastIdle', () => {
  it('expects the next idle time between the shortest and the longest recent ones, widened by the margin', () => {
    expect(forecastIdle([60 * MIN, 62 * MIN, 61 * MIN], FORECAST, 0.1)).toEqual({
      low: Math.floor(60 * MIN * 0.9),
      high: Math.ceil(62 * MIN * 1.1),
    });
  });

  it('looks only at the last `samples` idle times', () => {
    const recent = [5 * MIN, 90 * MIN, 20 * MIN, 20 * MIN, 20 * MIN];
    expect(forecastIdle(recent, { ...FORECAST, samples: 3 }, 0)).toEqual({ low: 20 * MIN, high: 20 * MIN });
  });

  it('makes no forecast from too few idle times, nor a window wider than maxWindow', () => {
    expect(forecastIdle([60 * MIN, 60 * MIN], FORECAST, 0.1)).toMatch(
      /2 recent idle times, the forecast needs 3/,
    );
    expect(forecastIdle([30 * MIN, 90 * MIN, 60 * MIN], FORECAST, 0.1)).toMatch(/too irregular/);
  });

  it('keeps a bounded list of recent idle times', () => {
    const recent: number[] = [];
    for (let i = 0; i < MAX_RECENT_IDLE_TIMES + 5; i++) recordRecentIdle(recent, i);
    expect(recent).toHaveLength(MAX_RECENT_IDLE_TIMES);
    expect(recent[0]).toBe(5);
  });
});

describe('planLifetime with the forecast', () => {
  it('a runtime called every 90 min (too rare for the 10-sample histogram): pre-warmed just before the next call', () => {
    const { h, t } = calledAfter([90 * MIN, 91 * MIN, 89 * MIN]);
    const plan = planLifetime(h, RULES);
    expect(plan.basis).toBe('forecast');
    expect(plan.warmFrom).toBe(t + Math.floor(89 * MIN * 0.9));
    expect(plan.warmUntil).toBe(t + Math.ceil(91 * MIN * 1.1));
  });

  it('irregular, too few idle times, or the forecast off: the fixed keep-alive, saying why', () => {
    const irregular = calledAfter([20 * MIN, 120 * MIN, 60 * MIN]);
    const p = planLifetime(irregular.h, RULES);
    expect(p).toMatchObject({ basis: 'fixed', warmFrom: irregular.t, warmUntil: irregular.t + 10 * MIN });
    expect(p.why).toMatch(/too irregular/);
    expect(planLifetime(calledAfter([90 * MIN, 90 * MIN]).h, RULES).basis).toBe('fixed');
    const off = { ...RULES, forecast: { ...FORECAST, enabled: false } };
    expect(planLifetime(calledAfter([90 * MIN, 91 * MIN, 89 * MIN], off).h, off).basis).toBe('fixed');
  });

  it('a pin still caps it', () => {
    const { h, t } = calledAfter([90 * MIN, 91 * MIN, 89 * MIN]);
    expect(planLifetime(h, RULES, { alwaysWarm: false, maxIdle: 85 * MIN }).warmUntil).toBe(t + 85 * MIN);
  });
});
