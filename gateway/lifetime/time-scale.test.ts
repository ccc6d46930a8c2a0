import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_OPTIONS } from '../options.ts';
import type { KeepWarmOptions } from './keeper.ts';
import { MIN_SCALED_TICK_MS, scaleKeepWarm } from './time-scale.ts';

const k = DEFAULT_GATEWAY_OPTIONS.keepWarm;
const base: KeepWarmOptions = {
  ...k,
  binMs: k.binWidth,
  pins: [
    { pattern: 'a-*', alwaysWarm: false, maxIdle: 120_000, windows: ['Mon 08:00-09:00'] },
    { pattern: 'b-*', alwaysWarm: true, maxIdle: undefined },
  ],
};

describe('scaleKeepWarm', () => {
  it('leaves the settings alone at the default scale of 1', () => {
    expect(k.timeScale).toBe(1);
    expect(scaleKeepWarm(base, 1)).toBe(base);
  });

  it('divides every keep-warm time by the scale and leaves fractions, counts and windows', () => {
    const s = scaleKeepWarm(base, 60);
    expect(s.binMs).toBe(1000);
    expect(s.fixedKeepAlive).toBe(10_000);
    expect(s.pins[0]!.maxIdle).toBe(2000);
    expect(s.pins[0]!.windows).toEqual(['Mon 08:00-09:00']);
    expect(s.pins[1]!.maxIdle).toBeUndefined();
    expect(s.bins).toBe(base.bins);
    expect(s.headPercentile).toBe(base.headPercentile);
    expect(s.tailPercentile).toBe(base.tailPercentile);
    expect(s.margin).toBe(base.margin);
    expect(s.minSamples).toBe(base.minSamples);
    expect(s.warmBudget).toBe(base.warmBudget);
  });

  it('never ticks faster than the floor', () => {
    expect(scaleKeepWarm(base, 60).tick).toBe(Math.max(MIN_SCALED_TICK_MS, base.tick / 60));
    expect(scaleKeepWarm(base, 3600).tick).toBe(MIN_SCALED_TICK_MS);
  });
});
