import { describe, expect, it } from 'vitest';
import { copiesNeeded, hostOf, ROUTING_REPLAY, type SpillModel } from './spill.ts';

const model: SpillModel = { ...ROUTING_REPLAY, countScale: 1, minuteMs: 60_000 };

describe('copies a runtime needs under bounded loads', () => {
  it('a quiet fleet: one copy when called, none when not', () => {
    const c = copiesNeeded([{ id: 'a', perMinute: [1, 0, 2], meanMs: 100 }], model);
    expect(c).toEqual([[1, 0, 1]]);
  });

  it("a runtime whose own peak in-flight exceeds the host's cap needs more copies, at most every host", () => {
    // 600 calls of 1 s in a minute: 10 in flight on average; the cap is max(4, ceil(1.25 × 11 / 5)) = 4.
    const c = copiesNeeded([{ id: 'hot', perMinute: [600, 60_000], meanMs: 1_000 }], model);
    expect(c[0]![0]).toBe(Math.ceil((10 + 2 * Math.sqrt(10)) / 4));
    expect(c[0]![1]).toBe(model.hosts);
  });

  it('a quiet runtime sharing its host with a hot one spills with it', () => {
    const host = hostOf('hot', model.hosts);
    const mate = Array.from({ length: 200 }, (_, i) => `q${i}`).find(
      (id) => hostOf(id, model.hosts) === host,
    )!;
    const other = Array.from({ length: 200 }, (_, i) => `q${i}`).find(
      (id) => hostOf(id, model.hosts) !== host,
    )!;
    const c = copiesNeeded(
      [
        { id: 'hot', perMinute: [240], meanMs: 1_000 },
        { id: mate, perMinute: [30], meanMs: 10 },
        { id: other, perMinute: [30], meanMs: 10 },
      ],
      model,
    );
    expect(c[1]).toEqual([2]);
    expect(c[2]).toEqual([1]);
  });

  it("warmSlots: the host's other load spills nothing; its own peak past the slots still does", () => {
    const host = hostOf('hot', model.hosts);
    const mate = Array.from({ length: 200 }, (_, i) => `q${i}`).find(
      (id) => hostOf(id, model.hosts) === host,
    )!;
    const fns = [
      { id: 'hot', perMinute: [240, 60_000], meanMs: 1_000 },
      { id: mate, perMinute: [30, 1], meanMs: 10 },
    ];
    const c = copiesNeeded(fns, { ...model, warmSlots: 8 });
    expect(c[1]).toEqual([1, 1]);
    // 'hot' alone: 4 in flight fits its 8 slots; 1000 in flight need every host.
    expect(c[0]).toEqual([1, model.hosts]);
  });
});
