import { describe, expect, it } from 'vitest';
import {
  figures,
  type Histogram,
  histogramDelta,
  histogramQuantile,
  type StatusSample,
  statusLine,
  statusTable,
} from './status.ts';

const h = (...pairs: Array<[number, number]>): Histogram => ({
  buckets: pairs.map(([le, count]) => ({ le, count })),
});

describe('histogramQuantile', () => {
  it.each([
    { name: 'empty', hist: h([0.1, 0], [Number.POSITIVE_INFINITY, 0]), q: 0.95, expected: undefined },
    {
      name: 'all in the first bucket',
      hist: h([0.1, 10], [1, 10], [Number.POSITIVE_INFINITY, 10]),
      q: 0.5,
      expected: 0.05,
    },
    {
      name: 'interpolates inside a bucket',
      hist: h([0.1, 0], [0.2, 100], [Number.POSITIVE_INFINITY, 100]),
      q: 0.95,
      expected: 0.195,
    },
    {
      name: 'the +Inf bucket answers the last bound',
      hist: h([0.1, 1], [Number.POSITIVE_INFINITY, 100]),
      q: 0.95,
      expected: 0.1,
    },
  ])('$name', ({ hist, q, expected }) => {
    const got = histogramQuantile(q, hist);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 9);
  });

  it('takes the observations between two samples', () => {
    const d = histogramDelta(
      h([0.1, 5], [Number.POSITIVE_INFINITY, 5]),
      h([0.1, 5], [1, 9], [Number.POSITIVE_INFINITY, 9]),
    );
    expect(d).toEqual(h([0.1, 0], [1, 4], [Number.POSITIVE_INFINITY, 4]));
  });
});

describe('status line', () => {
  const base: StatusSample = {
    at: 0,
    hosts: [],
    requests: 100,
    latency: h([0.01, 100], [Number.POSITIVE_INFINITY, 100]),
    coldRoutes: 3,
    desired: undefined,
  };
  const cur: StatusSample = {
    at: 2000,
    hosts: [
      { id: 'default-p2', state: 'booting', healthy: undefined, inflight: 0, warm: 0 },
      { id: 'default-p1', state: 'active', healthy: true, inflight: 4, warm: 7 },
    ],
    requests: 200,
    latency: h([0.01, 150], [0.02, 200], [Number.POSITIVE_INFINITY, 200]),
    coldRoutes: 5,
    desired: 2,
  };

  it('reports rates between samples', () => {
    const f = figures(base, cur);
    expect(f).toMatchObject({ rps: 50, coldRoutes: 2, inflight: 4 });
    expect(f.p95Ms).toBeCloseTo(19, 6);
    expect(statusLine(cur, f)).toBe(
      'hosts 2 (1 active, 1 booting) · desired 2 · 50.0 req/s · p95 19.0 ms · cold routes +2 (5 total) · in flight 4',
    );
  });

  it('lists hosts sorted by id under the line', () => {
    const lines = statusTable(cur, figures(base, cur));
    expect(lines.slice(1)).toEqual([
      '  default-p1  active    healthy    in flight   4  warm 7',
      '  default-p2  booting   unknown    in flight   0  warm 0',
    ]);
  });

  it('says when nothing is known yet', () => {
    expect(statusLine({ ...base, at: 1000 }, figures(base, { ...base, at: 1000 }))).toBe(
      'hosts 0 (none) · desired - · 0.0 req/s · p95 - · cold routes +0 (3 total) · in flight 0',
    );
  });
});
