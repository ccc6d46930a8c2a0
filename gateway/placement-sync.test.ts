import { describe, expect, it } from 'vitest';
import { runtimeIdsFromList } from './placement-sync.ts';

describe('runtimeIdsFromList', () => {
  it.each([
    [
      [{ name: 'a' }, { runtimeId: 'b', name: 'x' }, { other: 1 }, null],
      ['a', 'b'],
    ],
    [[], []],
    [{ name: 'a' }, undefined],
  ])('%j → %j', (body, ids) => {
    expect(runtimeIdsFromList(body)).toEqual(ids);
  });
});
