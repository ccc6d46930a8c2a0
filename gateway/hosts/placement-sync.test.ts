import { describe, expect, it } from 'vitest';
import { runtimeIdsFromList } from './placement-sync.ts';

describe('runtimeIdsFromList', () => {
  it.each([
    ['runtimeId field wins over name', [{ runtimeId: 'b', name: 'x-b' }], {}, ['b'], undefined],
    ['plain names are kept whole without context', [{ name: 'a' }, { other: 1 }, null], {}, ['a'], undefined],
    ['empty list', [], {}, [], undefined],
    [
      'a known runtime reveals the executor hostname prefix, which strips the others',
      [{ name: 'exec-1-fn-a' }, { name: 'exec-1-fn-other' }],
      { known: new Set(['fn-a']) },
      ['fn-a', 'fn-other'],
      'exec-1',
    ],
    [
      'a learnt prefix strips names of runtimes the gateway never routed',
      [{ name: 'exec-1-started-elsewhere' }],
      { prefix: 'exec-1' },
      ['started-elsewhere'],
      'exec-1',
    ],
    [
      'a name equal to a known id (older executors) is that id',
      [{ name: 'fn-a' }],
      { known: new Set(['fn-a']) },
      ['fn-a'],
      undefined,
    ],
  ])('%s', (_name, body, context, ids, prefix) => {
    expect(runtimeIdsFromList(body, context)).toEqual({ ids, prefix });
  });

  it('is undefined for a body that is not a list', () => {
    expect(runtimeIdsFromList({ name: 'a' })).toBeUndefined();
  });
});
