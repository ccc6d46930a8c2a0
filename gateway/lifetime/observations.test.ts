import { describe, expect, it } from 'vitest';
import { type CallBatch, callsInOrder, decodeBatch, encodeBatch, mergeCall, Outbox } from './observations.ts';
import { newHistory } from './policy.ts';

const RULES = {
  binMs: 1_000,
  bins: 10,
  headPercentile: 5,
  tailPercentile: 99,
  margin: 0.1,
  minSamples: 3,
  minCv: 0,
  maxOutOfBounds: 0.5,
  fixedKeepAlive: 5_000,
};

describe('call batches', () => {
  it('round-trip through their wire form', () => {
    const b = {
      gateway: 'gw-1',
      at: 1_000,
      runtimes: [
        { id: 'a', calls: [[1, 2]] as Array<[number, number]>, running: 0 },
        { id: 'b', calls: [], running: 2, fields: 'sealed' },
      ],
      placed: [
        ['a', 'host-1', 1],
        ['b', 'host-2', 0],
      ] as Array<[string, string, 0 | 1]>,
    };
    expect(decodeBatch(encodeBatch(b))).toEqual(b);
  });

  it.each([
    ['not JSON', '{'],
    ['another version', '{"v":2,"g":"x","at":1,"r":[]}'],
    ['a call that is not a pair', '{"v":1,"g":"x","at":1,"r":[{"id":"a","c":[[1]],"n":0}]}'],
    ['a negative running count', '{"v":1,"g":"x","at":1,"r":[{"id":"a","c":[],"n":-1}]}'],
  ])('reject %s', (_what, text) => {
    expect(decodeBatch(text)).toBeUndefined();
  });
});

describe('Outbox', () => {
  it('collects calls, fields and running runtimes into one batch, then starts empty', () => {
    const o = new Outbox(10);
    o.ended('a', 1, 2);
    o.ended('a', 5, 6);
    o.withFields('c', 'sealed-c');
    o.place('a', 'h1', true);
    o.place('a', 'h2', true);
    o.place('a', 'h1', true);
    o.place('a', 'h1', false);
    const b = o.take('gw', 100, new Map([['b', 1]]));
    expect(b).toEqual({
      gateway: 'gw',
      at: 100,
      runtimes: [
        {
          id: 'a',
          calls: [
            [1, 2],
            [5, 6],
          ],
          running: 0,
        },
        { id: 'c', calls: [], running: 0, fields: 'sealed-c' },
        { id: 'b', calls: [], running: 1 },
      ],
      // The latest word on each runtime and host, in the order they last changed.
      placed: [
        ['a', 'h2', 1],
        ['a', 'h1', 0],
      ],
    });
    expect(o.take('gw', 200, new Map())).toBeUndefined();
  });

  it('is bounded in runtimes and in calls per runtime (the latest call kept)', () => {
    const o = new Outbox(2, 3);
    for (const id of ['a', 'b', 'c']) o.ended(id, 0, 1);
    for (let i = 1; i <= 5; i++) o.ended('a', i * 10, i * 10 + 1);
    const b = o.take('gw', 0, new Map())!;
    expect(b.runtimes.map((r) => r.id)).toEqual(['a', 'b']);
    expect(b.runtimes[0]!.calls).toEqual([
      [0, 1],
      [10, 11],
      [50, 51],
    ]);
  });
});

describe('mergeCall', () => {
  it('records the idle time before a later call and moves the last call forward', () => {
    const h = newHistory(RULES);
    mergeCall(h, 0, 100);
    mergeCall(h, 2_100, 2_200);
    expect(h.histogram.total).toBe(1);
    expect(h.histogram.counts[2]).toBe(1);
    expect(h.lastCallAt).toBe(2_200);
  });

  it('adds nothing for a call that started before the last one known, nor while one runs here', () => {
    const h = newHistory(RULES);
    mergeCall(h, 5_000, 5_100);
    mergeCall(h, 1_000, 1_100);
    expect(h.histogram.total).toBe(0);
    expect(h.lastCallAt).toBe(5_100);
    h.running = 1;
    mergeCall(h, 9_000, 9_100);
    expect(h.histogram.total).toBe(0);
    expect(h.lastCallAt).toBe(9_100);
  });

  it('merged in start order, the calls of two gateways give the idle times of the pool', () => {
    const h = newHistory(RULES);
    const batches: CallBatch[] = [
      {
        gateway: 'g1',
        at: 0,
        runtimes: [
          {
            id: 'a',
            calls: [
              [0, 10],
              [4_020, 4_030],
            ] as Array<[number, number]>,
            running: 0,
          },
        ],
        placed: [],
      },
      {
        gateway: 'g2',
        at: 0,
        runtimes: [{ id: 'a', calls: [[2_010, 2_020]] as Array<[number, number]>, running: 0 }],
        placed: [],
      },
      {
        gateway: 'me',
        at: 0,
        runtimes: [{ id: 'a', calls: [[3_000, 3_001]] as Array<[number, number]>, running: 0 }],
        placed: [],
      },
    ];
    const calls = callsInOrder(batches, 'me');
    expect(calls.map((c) => c.start)).toEqual([0, 2_010, 4_020]);
    for (const c of calls) mergeCall(h, c.start, c.end);
    expect(h.histogram.counts[2]).toBe(2);
    expect(h.histogram.total).toBe(2);
  });
});
