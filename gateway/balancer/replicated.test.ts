import { describe, expect, it } from 'vitest';
import { placeReplicated, type ReplicatedInput } from './replicated.ts';

const order = ['a', 'b', 'c', 'd'];

function input(
  over: Partial<ReplicatedInput> & {
    loads?: Record<string, number>;
    rt?: Record<string, number>;
    movable?: Record<string, number>;
    warm?: string[];
  },
): ReplicatedInput {
  const { loads = {}, rt = {}, movable = {}, warm = [], ...rest } = over;
  return {
    order,
    replicas: 1,
    cap: 10,
    perHost: 8,
    loadOf: (id) => loads[id] ?? 0,
    runtimeLoadOf: (id) => rt[id] ?? 0,
    movableLoadOf: (id) => movable[id] ?? 0,
    isWarm: (id) => warm.includes(id),
    ...rest,
  };
}

describe('placeReplicated', () => {
  it('sends a runtime seen nowhere to the first host of its order', () => {
    expect(placeReplicated(input({}))).toEqual({ index: 0, reason: 'ring', warm: false, replicated: false });
  });

  it('spreads over warm owners at high load, least loaded first', () => {
    const r = placeReplicated(input({ replicas: 3, warm: ['a', 'b', 'c'], loads: { a: 6, b: 2, c: 4 } }));
    expect(r).toEqual({ index: 1, reason: 'warm', warm: true, replicated: true });
  });

  it('spreads over warm owners at low load too (no cold start in it)', () => {
    const r = placeReplicated(input({ replicas: 3, warm: ['a', 'b'], loads: { a: 3, b: 0 } }));
    expect(r.index).toBe(1);
  });

  it('skips a warm owner whose slots for the runtime are full, to another warm owner', () => {
    const r = placeReplicated(input({ replicas: 2, warm: ['a', 'b'], rt: { a: 8 }, loads: { a: 8, b: 9 } }));
    expect(r).toEqual({ index: 1, reason: 'warm', warm: true, replicated: true });
  });

  it('adds the next owner in order (cold) when warm owners are full and the demand asks for it', () => {
    const r = placeReplicated(input({ replicas: 2, warm: ['a'], rt: { a: 8 }, loads: { a: 8 } }));
    expect(r).toEqual({ index: 1, reason: 'overflow', warm: false, replicated: true });
  });

  it('prefers a warm non-owner (an earlier spill) to a cold owner', () => {
    const r = placeReplicated(input({ replicas: 2, warm: ['a', 'd'], rt: { a: 8 }, loads: { a: 8 } }));
    expect(r).toEqual({ index: 3, reason: 'warm', warm: true, replicated: true });
  });

  it('waits for a slot on a warm host rather than cold-start a host the demand did not ask for', () => {
    const r = placeReplicated(input({ replicas: 1, warm: ['a'], rt: { a: 8 }, loads: { a: 8 } }));
    expect(r).toEqual({ index: 0, reason: 'warm', warm: true, replicated: false });
  });

  it('counts warm hosts right after the owners as owners (another gateway replicated there)', () => {
    // replicas 1, but b (second in order) is warm: it is an owner, so spread reaches it
    const r = placeReplicated(input({ replicas: 1, warm: ['a', 'b'], loads: { a: 5, b: 1 } }));
    expect(r.index).toBe(1);
  });

  it('keeps bounded loads as the guard: a one-owner warm host at 1.5 × the cap is skipped for a cold host', () => {
    // cap 10: a one-owner runtime stays on its warm host up to 15 in flight there, not past it
    const stay = placeReplicated(input({ replicas: 1, warm: ['a'], loads: { a: 14 } }));
    expect(stay).toEqual({ index: 0, reason: 'warm', warm: true, replicated: false });
    const r = placeReplicated(input({ replicas: 1, warm: ['a'], loads: { a: 15 } }));
    expect(r).toEqual({ index: 1, reason: 'overflow', warm: false, replicated: false });
    // a runtime whose demand wants two owners measures against the cap itself
    const hot = placeReplicated(input({ replicas: 2, warm: ['a'], loads: { a: 10 } }));
    expect(hot).toEqual({ index: 1, reason: 'overflow', warm: false, replicated: true });
  });

  it('keeps a one-owner runtime on its warm host when the excess there is movable (replicated) work', () => {
    const tail = input({ replicas: 1, warm: ['a'], loads: { a: 12 }, movable: { a: 6 } });
    expect(placeReplicated(tail)).toEqual({ index: 0, reason: 'warm', warm: true, replicated: false });
    // a replicated runtime sees the whole load: a is full for it
    const hot = input({ replicas: 2, warm: ['a', 'b'], loads: { a: 12 }, movable: { a: 6 } });
    expect(placeReplicated(hot)).toEqual({ index: 1, reason: 'warm', warm: true, replicated: true });
    // one-owner work alone at 1.5 × the cap still spills
    const full = input({ replicas: 1, warm: ['a'], loads: { a: 18 }, movable: { a: 2 } });
    expect(placeReplicated(full).index).toBe(1);
  });

  it('falls back to the first host when every host is at the cap', () => {
    const r = placeReplicated(input({ warm: ['b'], loads: { a: 15, b: 15, c: 15, d: 15 } }));
    expect(r).toEqual({ index: 0, reason: 'ring', warm: false, replicated: true, exhausted: true });
  });

  it('joins a start in progress (in flight, not known warm yet) rather than start the runtime again', () => {
    // The first host is at the cap; the runtime is starting on c (an earlier spill, not answered yet)
    const r = placeReplicated(input({ replicas: 1, rt: { c: 1 }, loads: { a: 15, c: 3 } }));
    expect(r).toEqual({ index: 2, reason: 'overflow', warm: false, replicated: false });
    // With nothing in flight anywhere the spill goes to the next host under the cap, b
    expect(placeReplicated(input({ replicas: 1, loads: { a: 15, c: 3 } })).index).toBe(1);
  });

  it('spreads over warm owners before a starting one, which still beats a new replica', () => {
    // a and b warm with room: the least loaded known-warm owner, not c, where it is starting
    const spread = placeReplicated(
      input({ replicas: 3, warm: ['a', 'b'], rt: { c: 2 }, loads: { a: 6, b: 5, c: 2 } }),
    );
    expect(spread.index).toBe(1);
    // a and b full of the runtime: c (starting) before d (a cold owner)
    const full = input({
      replicas: 4,
      warm: ['a', 'b'],
      rt: { a: 8, b: 8, c: 2 },
      loads: { a: 8, b: 8, c: 2 },
    });
    expect(placeReplicated(full)).toEqual({ index: 2, reason: 'overflow', warm: false, replicated: true });
  });
});
