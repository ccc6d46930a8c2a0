/** The adaptive quantile (forecast.missRate) through evaluate(): state from tick to tick, the record. */
import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../types.ts';
import { evaluate } from './evaluate.ts';
import { initialState } from './state.ts';
import { obsOf, policyOf } from './test-support.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

// 40 in flight, 120 in the first minute of every 10 (a timer batch): a forecast the backtest trusts.
const burst = (t: number) => (Math.floor(t / MIN) % 10 === 0 ? 120 : 40);

function historyOf(now: number): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (let t = now - 3 * HOUR; t <= now; t += 15_000) points.push({ t, value: burst(t) });
  return points;
}

describe('evaluate with forecast.missRate', () => {
  const policy = policyOf({
    hosts: { max: 50 },
    forecast: { enabled: true, seasons: ['10m'], missRate: 0.1, adaptGain: 0.01 },
  });
  const now = 10 * HOUR - 45_000;

  it('carries the quantile in the state, moves it on the miss after a trusted tick and records it', () => {
    const first = evaluate(
      policy,
      initialState(),
      { ...obsOf(8, 40), history: { inflight: historyOf(now) } },
      now,
    );
    expect(first.record.forecasts!.inflight!.trusted).toBe(true);
    expect(first.state.quantiles).toEqual({
      inflight: { quantile: 0.8, ticks: 0, misses: 0, trusted: true },
    });
    expect(first.record.steps.find((s) => s.step === 'forecast')!.detail).toContain(
      'adaptive: inflight: quantile 0.8, miss rate target 10 %, no tick counted yet',
    );
    // The next tick: 70 in flight on 8 active hosts (64): a miss.
    const t = now + 15_000;
    const second = evaluate(policy, first.state, { ...obsOf(8, 70), history: { inflight: historyOf(t) } }, t);
    expect(second.state.quantiles!.inflight).toMatchObject({ ticks: 1, misses: 1 });
    expect(second.state.quantiles!.inflight!.quantile).toBeCloseTo(0.809, 9);
    expect(second.record.steps.find((s) => s.step === 'forecast')!.detail).toContain(
      'quantile 0.81, miss rate target 10 %, 100 % realised over 1 tick(s)',
    );
  });

  it('keeps no adaptive state with missRate null (the fixed quantile)', () => {
    const fixed = policyOf({ hosts: { max: 50 }, forecast: { enabled: true, seasons: ['10m'] } });
    const d = evaluate(
      fixed,
      initialState(),
      { ...obsOf(8, 40), history: { inflight: historyOf(now) } },
      now,
    );
    expect(d.state.quantiles).toBeUndefined();
  });
});
