import { describe, expect, it } from 'vitest';
import { slotNoise } from './draw.ts';
import { SCENARIOS } from './scenarios.ts';

describe('slotNoise', () => {
  it('reads the same value for a slot whatever was read before, and varies between slots', () => {
    const forward = slotNoise(42, 1000);
    const backward = slotNoise(42, 1000);
    const seconds = Array.from({ length: 200 }, (_, i) => i * 1000 + 500);
    const a = seconds.map(forward);
    const b = seconds.toReversed().map(backward).toReversed();
    expect(b).toEqual(a);
    expect(forward(1000)).toBe(forward(1999)); // one draw per slot
    expect(new Set(a).size).toBe(a.length);
    for (const v of a) expect(v >= -1 && v < 1).toBe(true);
    expect(Math.min(...a)).toBeLessThan(-0.8); // spread over the range
    expect(Math.max(...a)).toBeGreaterThan(0.8);
    expect(slotNoise(43, 1000)(500)).not.toBe(a[0]);
  });

  it('draws the noise scenario per second from its seed, not from a shared sequence', () => {
    const draw = slotNoise(42, 1000);
    for (const t of [1_799_000, 900_500, 0])
      expect(SCENARIOS.noise!.demand(t)).toBe(80 * (1 + 0.08 * draw(t)));
  });
});
