/** The forecast, spare hosts, scheduled floors and warm-runtime pricing inside evaluate(). */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { parsePolicy } from '../policy/parse.ts';
import type { HistoryPoint, Observation } from '../types.ts';
import { evaluate } from './evaluate.ts';
import { initialState } from './state.ts';
import { hostsOf, obsOf, policyOf } from './test-support.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const forecastOn = { hosts: { max: 50 }, forecast: { enabled: true, seasons: ['10m'] } };

/** One sample per 15 s of `f` over the 3 hours before `now`, plus `now` itself. */
function historyOf(f: (t: number) => number, now: number): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (let t = now - 3 * HOUR; t <= now; t += 15_000) points.push({ t, value: f(t) });
  return points;
}

function withHistory(obs: Observation, history: HistoryPoint[]): Observation {
  return { ...obs, history: { inflight: history } };
}

// 40 in flight, 120 in the first minute of every 10 (a timer batch): 5 hosts, 15 in the burst.
const burst = (t: number) => (Math.floor(t / MIN) % 10 === 0 ? 120 : 40);

describe('forecast', () => {
  const now = 10 * HOUR - 45_000; // 45 s before a burst: a host started now is ready for it

  it('scales up ahead of the predicted burst and records the forecast it trusted', () => {
    const policy = policyOf(forecastOn);
    const d = evaluate(policy, initialState(), withHistory(obsOf(8, 40), historyOf(burst, now)), now);
    expect(d.desired).toBeGreaterThanOrEqual(15);
    expect(d.record.reason).toBe('Forecast');
    const f = d.record.forecasts!.inflight!;
    expect(f).toMatchObject({
      trusted: true,
      reason: 'ForecastTrusted',
      model: expect.stringMatching(/10m|mean/),
    });
    expect(f.error).toBeLessThanOrEqual(policy.forecast.maxError);
    const step = d.record.steps.find((s) => s.step === 'forecast')!;
    expect(step).toMatchObject({ reason: 'ForecastTrusted', value: d.desired });
    expect(step.detail).toContain('trusted');
  });

  it('does nothing of the kind with the forecast off (the reactive policy sees 40 in flight)', () => {
    const d = evaluate(policyOf(), initialState(), withHistory(obsOf(8, 40), historyOf(burst, now)), now);
    expect(d.desired).toBe(8);
    expect(d.record.forecasts).toBeUndefined();
  });

  it('is the reactive policy alone without history, and says why', () => {
    const d = evaluate(policyOf(forecastOn), initialState(), obsOf(5, 40), now);
    expect(d.desired).toBe(5);
    expect(d.record.forecasts!.inflight).toMatchObject({ trusted: false, reason: 'ForecastNoHistory' });
    expect(d.record.steps.find((s) => s.step === 'forecast')).toMatchObject({
      value: null,
      reason: 'ForecastNoHistory',
    });
  });

  it('never goes below what the current demand needs', () => {
    // History says 40; the demand now is 160 (20 hosts): the forecast must not hold it back.
    const d = evaluate(
      policyOf(forecastOn),
      initialState(),
      withHistory(
        obsOf(10, 160),
        historyOf(() => 40, now - MIN),
      ),
      now,
    );
    expect(d.desired).toBe(20);
  });

  it('scales down along a trusted forecast instead of waiting for the window', () => {
    // Between bursts at 15 hosts: the next burst is 9 minutes away, the reactive window would hold.
    const after = 10 * HOUR + MIN + 15_000;
    const obs = withHistory(obsOf(15, 40), historyOf(burst, after));
    const reactive = evaluate(policyOf(), initialState(), obs, after);
    expect(reactive.desired).toBe(15);
    const d = evaluate(policyOf(forecastOn), initialState(), obs, after);
    expect(d.desired).toBeLessThan(15);
    expect(d.desired).toBeGreaterThanOrEqual(5);
    expect(d.record.steps.find((s) => s.step === 'stabilize')!.detail).toContain('replaced by the forecast');
  });

  it('does not hold hosts within the tolerance on the way down when the forecast says they are idle', () => {
    // 150 in flight for hours at 20 hosts: 150 / 160 is within the 10 % tolerance, so the reactive
    // policy keeps 20; the forecast (flat 150, no error) needs 19 over the next boot + interval.
    const t = 5 * HOUR + 15_000;
    const obs = withHistory(
      obsOf(20, 150),
      historyOf(() => 150, t),
    );
    expect(evaluate(policyOf(), initialState(), obs, t).desired).toBe(20);
    const d = evaluate(policyOf(forecastOn), initialState(), obs, t);
    expect(d.desired).toBe(19);
    expect(d.record.steps.find((s) => s.step === 'forecast-down')).toMatchObject({
      value: 19,
      reason: 'Forecast',
    });
  });

  it.each([0.5, 0.8, 0.9, 0.95])(
    'makes no scale event on stationary noise within the tolerance, after hours of history (quantile %s)',
    (quantile) => {
      // 80 ± 8 % per second at 10 hosts × 8: within the 10 % tolerance, so the reactive policy
      // holds 10; the forecast's upper bound must not push it out of the band either (without
      // the cap at the window's highest peak, this seed leaves the band at 0.9 and 0.95).
      const rand = seededRandom(7);
      const values = new Map<number, number>();
      const demand = (t: number) => {
        const s = Math.floor(t / 1000);
        if (!values.has(s)) values.set(s, 80 * (1 + 0.08 * (2 * rand() - 1)));
        return values.get(s)!;
      };
      const policy = policyOf({ ...forecastOn, forecast: { ...forecastOn.forecast, quantile } });
      const start = 3 * HOUR;
      const history = historyOf(demand, start - 15_000);
      let state = initialState();
      let trusted = 0;
      for (let t = start; t < start + HOUR; t += 15_000) {
        history.push({ t, value: demand(t) });
        const d = evaluate(policy, state, withHistory(obsOf(10, demand(t)), history), t);
        state = d.state;
        if (d.record.forecasts?.inflight?.trusted) trusted++;
        expect(d.desired, `t = ${t / 1000}s: ${JSON.stringify(d.record.steps)}`).toBe(10);
      }
      expect(trusted).toBeGreaterThan(200);
    },
  );

  it('is not trusted after a change the history never showed, so the reactive window decides', () => {
    // Flat 320 for hours, then 40 since 30 s ago: a step change, not a forecastable dip.
    const t = 5 * HOUR + 30_000;
    const history = historyOf((x) => (x < 5 * HOUR ? 320 : 40), t);
    const d = evaluate(policyOf(forecastOn), initialState(), withHistory(obsOf(40, 40), history), t);
    expect(d.record.forecasts!.inflight).toMatchObject({ trusted: false, reason: 'ForecastUntrusted' });
    expect(d.record.forecasts!.inflight!.detail).toContain('beyond');
    expect(d.desired).toBe(40);
  });
});

describe('buffer', () => {
  it.each([
    ['2 spare hosts', { hosts: 2 }, 80, 12],
    ['25 % spare, rounded up', { percent: 25 }, 80, 13],
    ['the larger of the two', { hosts: 1, percent: 25 }, 80, 13],
  ])('%s on top of what the demand needs', (_name, buffer, demand, desired) => {
    const d = evaluate(policyOf({ buffer }), initialState(), obsOf(10, demand), 0);
    expect(d.desired).toBe(desired);
    expect(d.record.reason).toBe('Buffer');
  });

  it('does not grow on every tick while the count holds within the tolerance', () => {
    const policy = policyOf({ buffer: { hosts: 2 } });
    let state = initialState();
    let hosts = 12;
    for (let t = 0; t < 10 * 15_000; t += 15_000) {
      const d = evaluate(policy, state, obsOf(hosts, 80), t);
      state = d.state;
      hosts = d.desired;
    }
    expect(hosts).toBe(12);
  });
});

describe('schedule', () => {
  const policy = policyOf({ schedule: [{ cron: '0 8 * * 1-5', for: '9h', min: 6 }] });
  const thursday = (hhmm: string) => Date.parse(`2026-12-03T${hhmm}:00Z`);

  it('keeps the window minimum while it is open, with reason ScheduledFloor', () => {
    const d = evaluate(policy, initialState(), obsOf(2, 8, thursday('00:00')), thursday('09:30'));
    expect(d.desired).toBe(6);
    expect(d.record.reason).toBe('ScheduledFloor');
  });

  it('lets the count go back to what demand needs once the window closes', () => {
    const state = { ...initialState(), recommendations: [{ time: thursday('17:00') - 1, value: 1 }] };
    const d = evaluate(policy, state, obsOf(6, 8, thursday('00:00')), thursday('17:00'));
    expect(d.desired).toBeLessThan(6);
  });

  it('rejects an invalid cron, naming the field, its path and line', () => {
    const yaml = `metrics: [{ name: m, query: q, target: { type: averagePerHost, value: 8 } }]
schedule:
  - { cron: "0 25 * * *", for: 1h, min: 2 }
`;
    expect(() => parsePolicy(yaml, 'p.yaml')).toThrow(
      /p\.yaml:3: schedule\[0\]\.cron: hour: "25" is outside 0-23/,
    );
  });
});

describe('drain.warmRuntimeCost', () => {
  // Scaling 4 → 2 after a full window of low demand; h3 and h4 hold 30 warm runtimes each.
  const hosts = [...hostsOf(2, { warmRuntimes: 0 }), ...hostsOf(2, { warmRuntimes: 30 }, 'w')];
  // A full window of evidence for the lower count (the far end of the window counts).
  const state = { ...initialState(), recommendations: [{ time: -300_000, value: 2 }] };

  it('still drains hosts without warm runtimes (they cost nothing to lose)', () => {
    // 30 warm × 15 s = 450 s of host-time > one 300 s scale-down window saved: kept.
    const policy = policyOf({ drain: { warmRuntimeCost: '15s' } });
    const d = evaluate(policy, state, obsOf(hosts, 8), 0);
    const drained = d.actions.flatMap((a) => (a.type === 'drain' ? [a.hostId] : []));
    expect(drained).toEqual(['h1', 'h2']);
    expect(d.desired).toBe(2);
  });

  it('keeps warm hosts a plain scale-down would drain, with reason WarmRuntimesKept', () => {
    const all = hostsOf(3, { warmRuntimes: 30 });
    const stateDown = { ...initialState(), recommendations: [{ time: -300_000, value: 1 }] };
    const priced = evaluate(policyOf({ drain: { warmRuntimeCost: '15s' } }), stateDown, obsOf(all, 8), 0);
    expect(priced.actions).toEqual([]);
    expect(priced.record.reason).toBe('WarmRuntimesKept');
    expect(priced.desired).toBe(3);
    const plain = evaluate(policyOf(), stateDown, obsOf(all, 8), 0);
    expect(plain.actions.filter((a) => a.type === 'drain').length).toBeGreaterThan(0);
  });
});
