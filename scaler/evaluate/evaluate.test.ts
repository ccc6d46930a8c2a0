/** evaluate() as a whole: each step's effect on the decision, its reason code and the state. */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../policy/schema.ts';
import type { Decision, MetricReading, Observation, ScalerState } from '../types.ts';
import { evaluate } from './evaluate.ts';
import { initialState } from './state.ts';
import { hostsOf, obsOf, policyOf } from './test-support.ts';

/** Evaluates a sequence of observations one interval apart; returns every decision. */
function ticks(policy: Policy, observations: Observation[], start = 0, state: ScalerState = initialState()) {
  const out: Decision[] = [];
  observations.forEach((obs, i) => {
    const d = evaluate(policy, state, obs, start + i * policy.interval);
    state = d.state;
    out.push(d);
  });
  return out;
}
const repeat = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
const noData: MetricReading = { ok: false, reason: 'httpError', detail: 'HTTP 503' };

describe('evaluate', () => {
  it.each([
    ['scales up on demand', 10, 120, 15, 'ScaleUp'],
    ['keeps the count within the tolerance', 10, 84, 10, 'WithinTolerance'],
    [
      'holds a scale-down on a fresh start (the window starts at the current count)',
      10,
      40,
      10,
      'ScaleDownStabilized',
    ],
    ['rate-limits a big scale-up', 2, 320, 6, 'RateLimited'],
  ])('%s', (_name, hosts, value, desired, reason) => {
    const d = evaluate(policyOf(), initialState(), obsOf(hosts, value), 0);
    expect(d.desired).toBe(desired);
    expect(d.record.reason).toBe(reason);
  });

  it('records every step with a value and a reason', () => {
    const d = evaluate(policyOf(), initialState(), obsOf(10, 120), 0);
    expect(d.record.steps.map((s) => s.step)).toEqual([
      'fleet',
      'metric:inflight',
      'combine',
      'panic',
      'stabilize',
      'mode',
    ]);
    expect(d.record).toMatchObject({
      pool: 'default',
      mode: 'enforce',
      desired: 15,
      inputs: { current: 10 },
    });
    expect(d.actions).toEqual([{ type: 'start', count: 5, execute: true }]);
  });

  describe('missing data and the fallback', () => {
    it('holds instead of scaling down when one metric has no data', () => {
      const p = policyOf({
        metrics: [
          { name: 'inflight', query: 'q', target: { type: 'averagePerHost', value: 8 } },
          { name: 'queue', query: 'q', target: { type: 'averagePerHost', value: 8 } },
        ],
        scaleDown: { stabilizationWindow: '0s' },
      });
      const obs = {
        ...obsOf(10, 16),
        metrics: { inflight: { ok: true, value: 16 } as const, queue: noData },
      };
      const d = evaluate(p, initialState(), obs, 0);
      expect(d.desired).toBe(10);
      expect(d.record.reason).toBe('MetricNoData');
      // …but scales up on the metrics it has.
      const up = evaluate(
        p,
        initialState(),
        { ...obs, metrics: { inflight: { ok: true, value: 160 }, queue: noData } },
        0,
      );
      expect(up.desired).toBe(20);
    });

    it('holds with MetricNoData, then applies the fallback after afterFailures ticks, then recovers', () => {
      const p = policyOf({ fallback: { afterFailures: 3, behavior: 'static', hosts: 12 } });
      const ds = ticks(p, [...repeat(4, () => obsOf(10, noData)), obsOf(10, 80)]);
      expect(ds.map((d) => d.record.reason)).toEqual([
        'MetricNoData',
        'MetricNoData',
        'Fallback',
        'Fallback',
        'WithinTolerance',
      ]);
      expect(ds.map((d) => d.desired)).toEqual([10, 10, 12, 12, 10]);
      expect(ds.at(-1)!.state.failures).toBe(0);
    });

    it('never scales down on a static fallback below the current count', () => {
      const p = policyOf({ fallback: { afterFailures: 1, behavior: 'static', hosts: 2 } });
      expect(evaluate(p, initialState(), obsOf(10, noData), 0).desired).toBe(10);
    });

    it('does not count an empty result held by onEmpty: hold toward the fallback', () => {
      const ds = ticks(
        policyOf(),
        repeat(6, () => obsOf(10, { ok: false, reason: 'empty' })),
      );
      expect(new Set(ds.map((d) => d.record.reason))).toEqual(new Set(['MetricNoData']));
    });
  });

  describe('panic', () => {
    const p = policyOf({ scaleUp: { stabilizationWindow: '60s' }, scaleDown: { stabilizationWindow: '0s' } });
    it('enters at demand ≥ threshold × capacity and skips the scale-up window', () => {
      const calm = evaluate(p, initialState(), obsOf(10, 150), 0);
      expect(calm.state.panic).toBeNull();
      const d = evaluate(p, initialState(), obsOf(10, 160), 0);
      expect(d.state.panic).toEqual({ since: 0, lastHigh: 0 });
      expect(d.desired).toBe(20);
    });

    it('does not scale down while panicking and leaves after calm for `hold`', () => {
      const obs = [obsOf(5, 80), ...repeat(5, () => obsOf(10, 8))];
      const ds = ticks(p, obs);
      const panicking = ds.map((d) => d.state.panic !== null);
      // hold 60 s = 4 ticks of 15 s after the last high sample.
      expect(panicking).toEqual([true, true, true, true, false, false]);
      expect(ds.slice(1, 4).map((d) => d.record.reason)).toEqual(['Panic', 'Panic', 'Panic']);
      expect(ds[4]!.desired).toBeLessThan(10);
    });

    it('can be disabled (the HPA-like baseline)', () => {
      const off = policyOf({ panic: { enabled: false } });
      expect(evaluate(off, initialState(), obsOf(10, 400), 0).state.panic).toBeNull();
    });
  });

  it('keeps to the churn budget', () => {
    const p = policyOf({ budget: { maxScaleEventsPerHour: 2 } });
    const ds = ticks(p, [obsOf(1, 16), obsOf(2, 32), obsOf(4, 64)]);
    expect(ds.map((d) => d.desired)).toEqual([2, 4, 4]);
    expect(ds[2]!.record.reason).toBe('BudgetLimited');
  });

  it.each([
    ['at max', { hosts: { min: 1, max: 12 } }, 10, 200, 12, 'AtMax'],
    ['at the budget', { hosts: { min: 1, max: 50 }, budget: { maxHosts: 12 } }, 10, 200, 12, 'BudgetLimited'],
    [
      'stays at the budget',
      { hosts: { min: 1, max: 50 }, budget: { maxHosts: 10 } },
      10,
      200,
      10,
      'BudgetLimited',
    ],
    ['raised to min', { hosts: { min: 3, max: 12 } }, 1, 8, 3, 'AtMin'],
    ['at min', { hosts: { min: 2, max: 12 }, scaleDown: { stabilizationWindow: '0s' } }, 2, 1, 2, 'AtMin'],
  ] as const)('clamps: %s', (_name, patch, hosts, value, desired, reason) => {
    const d = evaluate(policyOf(patch), initialState(), obsOf(hosts, value), 0);
    expect([d.desired, d.record.reason]).toEqual([desired, reason]);
  });

  it('scales down only after the whole scale-down window', () => {
    const ds = ticks(
      policyOf(),
      repeat(22, () => obsOf(10, 40)),
    );
    // 300 s window = 20 ticks of 15 s after the fresh start's recommendation of the current count.
    expect(ds.map((d) => d.desired).indexOf(5)).toBe(20);
    expect(ds[19]!.record.reason).toBe('ScaleDownStabilized');
  });

  it('does not scale down during startup.holdFor after the scaler started', () => {
    const p = policyOf({ scaleDown: { stabilizationWindow: '0s' } });
    const held = evaluate(p, initialState(), obsOf(10, 8, 0), 59_999);
    expect([held.desired, held.record.reason]).toEqual([10, 'StartupHold']);
    expect(evaluate(p, initialState(), obsOf(10, 8, 0), 60_000).desired).toBe(5);
  });

  describe('booting hosts', () => {
    const fleet = [...hostsOf(4), ...hostsOf(4, { state: 'booting', registeredAt: 0 }, 'b')];
    it('counts them as capacity (no duplicate starts)', () => {
      const d = evaluate(policyOf(), initialState(), obsOf(fleet, 64), 10_000);
      expect(d.record.inputs.current).toBe(8);
      expect(d.actions).toEqual([]);
    });

    it('does not count them with countBooting: false, but never starts them twice', () => {
      const d = evaluate(
        policyOf({ capacity: { countBooting: false } }),
        initialState(),
        obsOf(fleet, 64),
        10_000,
      );
      expect(d.record.inputs.current).toBe(4);
      expect(d.desired).toBe(8);
      expect(d.actions).toEqual([]);
    });

    it('replaces a host past bootTimeout once, and reports it', () => {
      const p = policyOf();
      const first = evaluate(p, initialState(), obsOf(fleet, 64), 180_001);
      expect(
        first.actions.filter((a) => a.type === 'replace').map((a) => a.type === 'replace' && a.hostId),
      ).toEqual(['b1', 'b2', 'b3', 'b4']);
      expect(first.record.steps.filter((s) => s.reason === 'BootTimeout')).toHaveLength(4);
      const again = evaluate(p, first.state, obsOf(fleet, 64), 195_001);
      expect(again.actions.filter((a) => a.type === 'replace')).toEqual([]);
    });
  });

  it('drains the victims the selector picks', () => {
    const fleet = hostsOf(4).map((h, i) => ({ ...h, warmRuntimes: [5, 1, 3, 2][i]! }));
    const p = policyOf({ scaleDown: { stabilizationWindow: '0s' } });
    const d = evaluate(p, initialState(), obsOf(fleet, 16), 0);
    expect(d.actions).toEqual([
      { type: 'drain', hostId: 'h2', execute: true },
      { type: 'drain', hostId: 'h4', execute: true },
    ]);
  });

  it('scales to zero only after idleFor with scaleToZero enabled', () => {
    const p = policyOf({
      hosts: { min: 0, max: 10 },
      scaleToZero: { enabled: true, idleFor: '60s' },
      scaleDown: { stabilizationWindow: '0s' },
    });
    const ds = ticks(
      p,
      repeat(5, () => obsOf(1, 0)),
    );
    expect(ds.map((d) => d.desired)).toEqual([1, 1, 1, 1, 0]);
    expect(ds[4]!.record.reason).toBe('ScaleToZero');
    expect(ds[4]!.actions).toEqual([{ type: 'drain', hostId: 'h1', execute: true }]);
    // From zero, any demand above the activation starts a host.
    expect(evaluate(p, ds[4]!.state, obsOf(0, 1), 75_000).actions).toEqual([
      { type: 'start', count: 1, execute: true },
    ]);
  });

  it.each([
    ['dryRun', 'dryRun', 15, [{ type: 'start', count: 5, execute: false }], 'ScaleUp'],
    ['paused', 'paused', 10, [], 'Paused'],
  ] as const)('mode %s', (_name, mode, desired, actions, reason) => {
    const d = evaluate(policyOf({ mode }), initialState(), obsOf(10, 120), 0);
    expect([d.desired, d.actions, d.record.reason]).toEqual([desired, actions, reason]);
    expect(d.record.steps.at(-1)).toMatchObject({
      step: 'mode',
      reason: mode === 'dryRun' ? 'DryRun' : 'Paused',
    });
  });

  it('is pure: same inputs, same decision; the state survives JSON', () => {
    const p = policyOf();
    const obs = [obsOf(2, 64), obsOf(6, 0), obsOf(6, noData), obsOf(6, 200)];
    const direct = ticks(p, obs);
    let state = initialState();
    const viaJson = obs.map((o, i) => {
      const d = evaluate(p, JSON.parse(JSON.stringify(state)), o, i * p.interval);
      state = d.state;
      return d;
    });
    expect(viaJson).toEqual(direct);
    expect(ticks(p, obs)).toEqual(direct);
  });
});
