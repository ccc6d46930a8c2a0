/** Table-driven tests of the pure building blocks of each evaluation step. */
import { describe, expect, it } from 'vitest';
import type { MetricReading, ObservedHost } from '../types.ts';
import { pickVictims } from './drain.ts';
import { combineProposals, type MetricProposal, proposeMetric } from './proposal.ts';
import { policyOf } from './test-support.ts';
import { rateLimit, stabilize } from './windows.ts';

type Target = { type: 'averagePerHost' | 'value' | 'utilization'; value: number };
const metric = (target: Target, extra: { activation?: number; onEmpty?: 'hold' | 'zero' | 'error' } = {}) =>
  policyOf({ metrics: [{ name: 'm', query: 'q', target, ...extra }] }).metrics[0]!;
const ok = (value: number): MetricReading => ({ ok: true, value });

describe('step 3: per-metric proposal', () => {
  const avg8 = { type: 'averagePerHost', value: 8 } as const;
  it.each([
    ['averagePerHost: ceil(value / target)', avg8, ok(96), 10, 12, 'Proposed'],
    ['averagePerHost, scale down', avg8, ok(40), 10, 5, 'Proposed'],
    ['averagePerHost, ratio 1.1 is within tolerance 0.1', avg8, ok(88), 10, 10, 'WithinTolerance'],
    ['averagePerHost, ratio 0.9 is within tolerance', avg8, ok(72), 10, 10, 'WithinTolerance'],
    ['averagePerHost, 320 / 8 is exactly 40', avg8, ok(320), 1, 40, 'Proposed'],
    ['averagePerHost from zero hosts', avg8, ok(3), 0, 1, 'Proposed'],
    ['value: ceil(current × value / target)', { type: 'value', value: 100 }, ok(200), 4, 8, 'Proposed'],
    ['value from zero hosts counts as one', { type: 'value', value: 100 }, ok(50), 0, 1, 'Proposed'],
    ['utilization: same with a 0..1 value', { type: 'utilization', value: 0.5 }, ok(0.75), 4, 6, 'Proposed'],
    ['utilization within tolerance', { type: 'utilization', value: 0.5 }, ok(0.52), 4, 4, 'WithinTolerance'],
    ['a value at the activation threshold proposes zero', avg8, ok(0), 3, 0, 'Inactive'],
  ] as const)('%s', (_name, target, reading, current, hosts, reason) => {
    const p = proposeMetric(metric(target), reading, current, 0.1);
    expect(p).toMatchObject({ ok: true, hosts, reason });
  });

  it('ignores values at or below `activation`', () => {
    expect(proposeMetric(metric(avg8, { activation: 5 }), ok(5), 3, 0.1)).toMatchObject({
      hosts: 0,
      reason: 'Inactive',
    });
    expect(proposeMetric(metric(avg8, { activation: 5 }), ok(6), 3, 0.1)).toMatchObject({ hosts: 1 });
  });

  it.each([
    ['empty, onEmpty hold: no data, not a failure', 'hold', { ok: false, reason: 'empty' }, false],
    ['empty, onEmpty error: no data that counts as a failure', 'error', { ok: false, reason: 'empty' }, true],
    ['HTTP error', 'hold', { ok: false, reason: 'httpError', detail: '503' }, true],
    ['several series', 'hold', { ok: false, reason: 'severalSeries' }, true],
    ['stale', 'hold', { ok: false, reason: 'stale' }, true],
    ['NaN passed as a value', 'hold', { ok: true, value: Number.NaN }, true],
    ['+Inf passed as a value', 'hold', { ok: true, value: Number.POSITIVE_INFINITY }, true],
  ] as const)('%s', (_name, onEmpty, reading, failure) => {
    const p = proposeMetric(metric(avg8, { onEmpty }), reading as MetricReading, 4, 0.1);
    expect(p).toMatchObject({ ok: false, failure, reason: 'MetricNoData' });
  });

  it('reads an empty result as zero only with onEmpty: zero', () => {
    const p = proposeMetric(metric(avg8, { onEmpty: 'zero' }), { ok: false, reason: 'empty' }, 4, 0.1);
    expect(p).toMatchObject({ ok: true, hosts: 0 });
  });

  it('treats a missing reading as no data', () => {
    expect(proposeMetric(metric(avg8), undefined, 4, 0.1)).toMatchObject({ ok: false, failure: true });
  });
});

describe('step 4: combine', () => {
  const prop = (hosts: number, demand = hosts): MetricProposal => ({
    ok: true,
    hosts,
    demand,
    reason: 'Proposed',
    detail: '',
  });
  const none: MetricProposal = { ok: false, failure: true, reason: 'MetricNoData', detail: '' };
  const two = (combine?: string) =>
    policyOf({
      metrics: [
        { name: 'a', query: 'q', target: { type: 'averagePerHost', value: 8 } },
        { name: 'b', query: 'q', target: { type: 'averagePerHost', value: 8 } },
      ],
      ...(combine ? { combine: { formula: combine } } : {}),
    });
  it.each([
    ['max', undefined, { a: prop(3), b: prop(7) }, 7],
    ['max over the valid ones', undefined, { a: prop(3), b: none }, 3],
    ['formula', 'a + ceil(b / 2)', { a: prop(3), b: prop(7) }, 7],
    ['formula rounds up', 'a / 2', { a: prop(3), b: prop(7) }, 2],
    ['formula never below zero', 'a - b', { a: prop(3), b: prop(7) }, 0],
    ['formula naming a metric with no data', 'a + b', { a: prop(3), b: none }, null],
    ['nothing valid', undefined, { a: none, b: none }, null],
  ])('%s', (_name, formula, proposals, hosts) => {
    expect(combineProposals(two(formula), proposals).hosts).toBe(hosts);
  });
});

describe('step 6: stabilization windows', () => {
  const p = policyOf({ scaleUp: { stabilizationWindow: '60s' }, scaleDown: { stabilizationWindow: '300s' } });
  const recs = (...values: [number, number][]) => values.map(([t, value]) => ({ time: t * 1000, value }));
  it.each([
    ['scale-up takes the lowest recommendation in its window', recs([0, 12], [30, 15], [60, 20]), 10, 60, 12],
    ['an up recommendation older than the window is ignored', recs([0, 9], [30, 15], [61, 20]), 10, 61, 15],
    [
      'scale-down takes the highest recommendation in its window',
      recs([0, 10], [100, 6], [200, 4]),
      10,
      200,
      10,
    ],
    ['the down window includes its far end', recs([0, 10], [300, 4]), 10, 300, 10],
    ['after the window the scale-down happens', recs([0, 10], [150, 6], [301, 4]), 10, 301, 6],
    ['no change when recommendations bracket the current count', recs([0, 12], [10, 8]), 10, 10, 10],
  ])('%s', (_name, recommendations, current, now, expected) => {
    expect(stabilize(p, recommendations, current, now * 1000)).toBe(expected);
  });
});

describe('step 7: rate policies', () => {
  const dir = (
    policies: { type: 'Hosts' | 'Percent'; value: number; period: string }[],
    select: 'max' | 'min' | 'disabled',
  ) => policyOf({ scaleUp: { policies, select } }).scaleUp;
  const both = [
    { type: 'Hosts' as const, value: 4, period: '15s' },
    { type: 'Percent' as const, value: 100, period: '15s' },
  ];
  const ev = (t: number, from: number, to: number) => ({ time: t * 1000, from, to });
  it.each([
    ['up, max of +4 and +100 % from 1', both, 'max', [], 1, 0, 5],
    ['up, max of +4 and +100 % from 10', both, 'max', [], 10, 0, 20],
    ['up, min of the two from 10', both, 'min', [], 10, 0, 14],
    ['up, disabled', both, 'disabled', [], 10, 0, 10],
    [
      'up from zero with percent only: at least one host',
      [{ type: 'Percent' as const, value: 100, period: '15s' }],
      'max',
      [],
      0,
      0,
      1,
    ],
    [
      'up, a change inside the period is counted',
      [{ type: 'Hosts' as const, value: 4, period: '60s' }],
      'max',
      [ev(30, 6, 10)],
      10,
      45,
      10,
    ],
    ['up, a change at the far end of the period is not', both, 'max', [ev(30, 5, 10)], 10, 45, 20],
  ] as const)('%s', (_name, policies, select, events, current, now, limit) => {
    expect(rateLimit(dir([...policies], select), true, events, current, now * 1000)).toBe(limit);
  });

  it.each([
    ['down 50 % per 60 s', [{ type: 'Percent' as const, value: 50, period: '60s' }], 'max', [], 40, 20],
    ['down 50 % rounds down', [{ type: 'Percent' as const, value: 50, period: '60s' }], 'max', [], 5, 2],
    [
      'down, max picks the biggest change',
      [
        { type: 'Percent' as const, value: 50, period: '60s' },
        { type: 'Hosts' as const, value: 2, period: '60s' },
      ],
      'max',
      [],
      10,
      5,
    ],
    [
      'down, min picks the smallest change',
      [
        { type: 'Percent' as const, value: 50, period: '60s' },
        { type: 'Hosts' as const, value: 2, period: '60s' },
      ],
      'min',
      [],
      10,
      8,
    ],
    [
      'down, a change inside the period is counted',
      [{ type: 'Percent' as const, value: 50, period: '60s' }],
      'max',
      [{ time: -30_000, from: 40, to: 20 }],
      20,
      20,
    ],
  ] as const)('%s', (_name, policies, select, events, current, limit) => {
    const down = policyOf({ scaleDown: { policies: [...policies], select } }).scaleDown;
    expect(rateLimit(down, false, events, current, 0)).toBe(limit);
  });
});

describe('step 9: drain victim selection', () => {
  const host = (id: string, registeredAt: number, warmRuntimes: number, inflight: number): ObservedHost => ({
    id,
    state: 'active',
    registeredAt,
    warmRuntimes,
    inflight,
  });
  const fleet = [host('a', 100, 5, 1), host('b', 200, 1, 9), host('c', 300, 3, 0), host('d', 400, 1, 2)];
  it.each([
    ['fewestWarmRuntimes', ['d', 'b', 'c']],
    ['leastInflight', ['c', 'a', 'd']],
    ['newest', ['d', 'c', 'b']],
    ['oldest', ['a', 'b', 'c']],
  ] as const)('%s', (selector, expected) => {
    expect(pickVictims(selector, [], fleet, 3).map((h) => h.id)).toEqual(expected);
  });

  it('takes booting hosts first, newest first', () => {
    const booting = [
      { ...host('x', 500, 0, 0), state: 'booting' as const },
      { ...host('y', 600, 0, 0), state: 'booting' as const },
    ];
    expect(pickVictims('oldest', booting, fleet, 3).map((h) => h.id)).toEqual(['y', 'x', 'a']);
  });

  it('breaks ties by id so every scaler picks the same hosts', () => {
    const same = [host('q', 0, 0, 0), host('p', 0, 0, 0)];
    expect(pickVictims('fewestWarmRuntimes', [], same, 1).map((h) => h.id)).toEqual(['p']);
  });
});
