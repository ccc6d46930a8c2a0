import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_OPTIONS } from '../../gateway/options.ts';
import { simulate } from './simulate.ts';

const k = DEFAULT_GATEWAY_OPTIONS.keepWarm;
const rules = { ...k, binMs: k.binWidth };

/** One function called once every `every` minutes for `minutes` minutes. */
function periodic(every: number, minutes: number) {
  return [{ perMinute: Array.from({ length: minutes }, (_, m) => (m % every === 0 ? 1 : 0)) }];
}

describe('keep-warm simulation', () => {
  it('a fixed keep-alive shorter than the period makes every call cold, and keeps it warm that long', () => {
    const r = simulate(periodic(30, 480), { kind: 'fixed', name: 'fixed 10', keepAliveMin: 10 });
    expect(r.invocations).toBe(16);
    expect(r.coldStarts).toBe(16);
    expect(r.warmMinutes).toBe(16 * 10);
  });

  it('the hybrid policy learns the period: after minSamples idle times the calls find the runtime pre-warmed', () => {
    const r = simulate(periodic(30, 480), { kind: 'hybrid', name: 'hybrid', rules });
    // The first call, then the calls before the histogram is trusted (minSamples idle times) are cold.
    expect(r.coldStarts).toBe(1 + rules.minSamples);
    // A pre-warm before each later call, and one after the last call that the trace's end leaves unused.
    expect(r.prewarms).toBe(16 - 1 - rules.minSamples + 1);
    expect(r.prewarmsWasted).toBe(1);
  });

  it('a function called every minute stays warm under both', () => {
    const fixed = simulate(periodic(1, 120), { kind: 'fixed', name: 'fixed 10', keepAliveMin: 10 });
    const hybrid = simulate(periodic(1, 120), { kind: 'hybrid', name: 'hybrid', rules });
    expect(fixed.coldStarts).toBe(1);
    expect(hybrid.coldStarts).toBe(1);
  });
});

describe('keep-warm simulation with overflow copies', () => {
  const MIN = 60_000;
  /** Called every minute; a second copy needed every `every` minutes. */
  function bursty(every: number, minutes: number) {
    return [
      {
        perMinute: Array.from({ length: minutes }, () => 10),
        copies: Array.from({ length: minutes }, (_, m) => (m % every === 0 ? 2 : 1)),
      },
    ];
  }

  it("a fixed keep-alive longer than the bursts' period keeps the overflow copy: one cold overflow copy", () => {
    const r = simulate(
      bursty(5, 60),
      { kind: 'fixed', name: 'fixed 10', keepAliveMin: 10 },
      { spread: true },
    );
    expect(r.coldStarts).toBe(1);
    expect(r.overflowColdStarts).toBe(1);
    expect(r.overflowMinutes).toBeGreaterThan(50);
  });

  it('a 1-minute surplus trim re-creates the overflow copy at every burst; the learned keep stops after minSamples gaps', () => {
    const rules2 = { ...rules, binMs: MIN };
    const trim = simulate(
      bursty(5, 60),
      { kind: 'hybrid', name: 'trim', rules: rules2, surplus: { learn: false, idleMs: MIN } },
      { spread: true },
    );
    expect(trim.overflowColdStarts).toBe(12);
    const learned = simulate(
      bursty(5, 60),
      { kind: 'hybrid', name: 'learned', rules: rules2, surplus: { learn: true, idleMs: MIN } },
      { spread: true },
    );
    // The first burst, then one per burst until minSamples gaps are known.
    expect(learned.overflowColdStarts).toBe(1 + rules.minSamples);
    expect(learned.overflowMinutes).toBeGreaterThan(trim.overflowMinutes);
  });

  it('without copies the overflow counts stay 0', () => {
    const r = simulate(periodic(3, 60), { kind: 'fixed', name: 'fixed 10', keepAliveMin: 10 });
    expect(r.overflowColdStarts).toBe(0);
    expect(r.overflowMinutes).toBe(0);
  });
});
