import { describe, expect, it } from 'vitest';
import { type CopiesView, isSurplusCopy, surplusCopies } from './surplus.ts';

const view = (over: Partial<CopiesView>): CopiesView => ({
  warm: ['a', 'b', 'c'],
  order: ['a', 'b', 'c', 'd'],
  keep: 1,
  lastUsed: new Map([
    ['a', 0],
    ['b', 0],
    ['c', 0],
  ]),
  running: false,
  now: 10_000,
  surplusIdle: 1_000,
  ...over,
});

describe('surplus copies of a wanted runtime', () => {
  it('keeps the first warm host in ring order and trims the rest once idle long enough', () => {
    expect(surplusCopies(view({}))).toEqual(['b', 'c']);
    // The ring owner is not warm: the first warm host after it is the one the pick uses.
    expect(surplusCopies(view({ warm: ['c', 'b'] }))).toEqual(['c']);
  });

  it('keeps as many copies as replication gives the runtime owners', () => {
    expect(surplusCopies(view({ keep: 2 }))).toEqual(['c']);
    expect(surplusCopies(view({ keep: 3 }))).toEqual([]);
    // keep 0 is read as 1: a wanted runtime keeps one copy.
    expect(surplusCopies(view({ keep: 0 }))).toEqual(['b', 'c']);
  });

  it('never trims while a call of the runtime runs anywhere', () => {
    expect(surplusCopies(view({ running: true }))).toEqual([]);
  });

  it('leaves a copy that served a call within surplusIdle, or whose use is unknown', () => {
    const lastUsed = new Map([
      ['a', 0],
      ['b', 9_500],
      ['c', 9_000],
    ]);
    expect(surplusCopies(view({ lastUsed }))).toEqual(['c']);
    expect(surplusCopies(view({ lastUsed: new Map([['c', 0]]) }))).toEqual(['c']);
    expect(surplusCopies(view({ lastUsed: new Map() }))).toEqual([]);
  });

  it('an old copy after a move: the new owner is warm first in ring order, the old host goes', () => {
    // 'e' joined and owns the runtime now; it was warm on 'a' before.
    expect(surplusCopies(view({ warm: ['a', 'e'], order: ['e', 'a', 'b'] }))).toEqual(['a']);
  });

  it('a warm host the ring does not list comes last', () => {
    expect(
      surplusCopies(view({ warm: ['x', 'b'], order: ['a', 'b'], lastUsed: new Map([['x', 0]]) })),
    ).toEqual(['x']);
  });

  it('one copy is never surplus', () => {
    expect(surplusCopies(view({ warm: ['c'] }))).toEqual([]);
  });

  it('a copy beyond the ones the pick prefers is a surplus copy (its calls are overflows)', () => {
    const v = view({});
    expect(isSurplusCopy(v, 'a')).toBe(false);
    expect(isSurplusCopy(v, 'b')).toBe(true);
    expect(isSurplusCopy({ ...v, keep: 2 }, 'b')).toBe(false);
    // The owner is not warm: the first warm host is the preferred one; a host not yet listed as warm counts.
    expect(isSurplusCopy({ ...v, warm: ['c'] }, 'c')).toBe(false);
    expect(isSurplusCopy({ ...v, warm: ['c'] }, 'd')).toBe(true);
    expect(isSurplusCopy({ ...v, warm: ['c'] }, 'b')).toBe(false);
  });
});
