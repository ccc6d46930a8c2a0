import { describe, expect, it } from 'vitest';
import { IdleHistogram } from './idle-histogram.ts';
import { Pins } from './pins.ts';
import { callEnded, callStarted, newHistory, notRepresentative, planLifetime, wantsWarm } from './policy.ts';
import { historyOf, MIN, TEST_RULES } from './test-support.ts';

const RULES = TEST_RULES;

describe('IdleHistogram', () => {
  it('puts idle times in bins and answers percentiles on bin edges', () => {
    const h = new IdleHistogram(MIN, 10);
    for (const m of [1, 1, 2, 2, 2, 3, 3, 3, 3, 9]) h.record(m * MIN + 5);
    expect(h.total).toBe(10);
    expect(h.percentile(5, 'lower')).toBe(MIN);
    expect(h.percentile(99, 'upper')).toBe(10 * MIN);
    expect(h.percentile(50, 'upper')).toBe(3 * MIN);
    h.record(60 * MIN);
    expect(h.outOfBounds).toBe(1);
    expect(new IdleHistogram(MIN, 4).percentile(50, 'lower')).toBeUndefined();
  });

  it('halves its counts instead of overflowing, keeping the shape', () => {
    const h = new IdleHistogram(1, 2);
    for (let i = 0; i < 0xffff; i++) h.record(0);
    for (let i = 0; i < 4; i++) h.record(1);
    h.record(0);
    // Both bins halved (65535 → 32767, 4 → 2), then the new idle time counted.
    expect(h.counts[0]).toBe(0x7fff + 1);
    expect(h.counts[1]).toBe(2);
    expect(h.total).toBe(0x7fff + 3);
  });

  it('measures how peaked it is', () => {
    const flat = new IdleHistogram(1, 4);
    for (const x of [0, 1, 2, 3]) flat.record(x);
    expect(flat.binCv()).toBe(0);
    const peaked = new IdleHistogram(1, 100);
    for (let i = 0; i < 20; i++) peaked.record(7);
    expect(peaked.binCv()).toBeGreaterThan(9);
  });
});

describe('planLifetime (hybrid histogram policy)', () => {
  it('falls back to the fixed keep-alive while the histogram has too few idle times', () => {
    const { h, t } = historyOf([5 * MIN, 5 * MIN]);
    const plan = planLifetime(h, RULES);
    expect(plan).toMatchObject({ basis: 'fixed', warmFrom: t, warmUntil: t + 10 * MIN });
    expect(plan.why).toMatch(/2 idle times, 10 needed/);
    expect(wantsWarm(plan, t + 9 * MIN)).toBe(true);
    expect(wantsWarm(plan, t + 10 * MIN)).toBe(false);
  });

  it('a runtime called every 30 minutes: unloaded after a call, pre-warmed just before the next', () => {
    const { h, t } = historyOf(Array.from({ length: 20 }, () => 30 * MIN + 1000));
    const plan = planLifetime(h, RULES);
    expect(plan.basis).toBe('histogram');
    expect(plan.head).toBe(30 * MIN);
    expect(plan.tail).toBe(31 * MIN);
    expect(plan.warmFrom).toBe(t + 27 * MIN);
    expect(plan.warmUntil).toBe(t + Math.ceil(31 * MIN * 1.1));
    expect(wantsWarm(plan, t + 1000)).toBe(false);
    expect(wantsWarm(plan, t + 30 * MIN + 1000)).toBe(true);
    // Less warm time than the fixed keep-alive would keep after each call? Here ~7 min against 10.
    expect(plan.warmUntil - plan.warmFrom).toBeLessThan(RULES.fixedKeepAlive);
  });

  it('a frequently called runtime stays warm from its last call on', () => {
    const { h, t } = historyOf(Array.from({ length: 50 }, (_, i) => (i % 5) * 10_000));
    const plan = planLifetime(h, RULES);
    expect(plan.basis).toBe('histogram');
    expect(plan.warmFrom).toBe(t);
    expect(plan.warmUntil).toBe(t + Math.ceil(MIN * 1.1));
  });

  it('refuses flat histograms and mostly out-of-range idle times', () => {
    const flat = historyOf(Array.from({ length: 240 }, (_, i) => i * MIN + 1));
    expect(notRepresentative(flat.h.histogram, RULES)).toMatch(/too even/);
    const rare = historyOf(Array.from({ length: 12 }, () => 5 * 60 * MIN));
    expect(planLifetime(rare.h, RULES)).toMatchObject({ basis: 'fixed' });
    expect(notRepresentative(rare.h.histogram, RULES)).toMatch(/100 % of idle times exceed/);
  });

  it('keeps a runtime warm while a call runs, and counts the idle time from the end of the last call', () => {
    const h = newHistory(RULES);
    callStarted(h, 0);
    expect(planLifetime(h, RULES).basis).toBe('running');
    callEnded(h, 5_000);
    callStarted(h, 65_000);
    expect(h.histogram.counts[1]).toBe(1);
    // A second call starting while one runs is no idle time.
    callStarted(h, 66_000);
    expect(h.histogram.total).toBe(1);
  });

  it('pins: always warm, or a cap on the idle time kept', () => {
    const { h, t } = historyOf([MIN]);
    expect(planLifetime(h, RULES, { alwaysWarm: true, maxIdle: undefined })).toMatchObject({
      basis: 'pinned',
      warmUntil: Number.POSITIVE_INFINITY,
    });
    expect(planLifetime(h, RULES, { alwaysWarm: false, maxIdle: 2 * MIN }).warmUntil).toBe(t + 2 * MIN);
  });
});

describe('Pins', () => {
  it('matches runtime ids by glob, first rule first', () => {
    const pins = new Pins([
      { pattern: 'checkout-*', alwaysWarm: true, maxIdle: undefined },
      { pattern: '*', alwaysWarm: false, maxIdle: 5 * MIN },
    ]);
    expect(pins.match('checkout-eu')).toMatchObject({ alwaysWarm: true });
    expect(pins.match('report.daily')).toMatchObject({ alwaysWarm: false, maxIdle: 5 * MIN });
    expect(
      new Pins([{ pattern: 'a.b?', alwaysWarm: true, maxIdle: undefined }]).match('axbc'),
    ).toBeUndefined();
    expect(new Pins([{ pattern: 'a.b?', alwaysWarm: true, maxIdle: undefined }]).match('a.bc')).toBeDefined();
  });
});
