import { describe, expect, it } from 'vitest';
import { MAX_POINTS, parseRangeResponse, peakQuery, rangeChunks } from './prometheus-range.ts';

const matrix = (result: unknown) =>
  JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });

describe('parseRangeResponse', () => {
  it('reads one series oldest first, leaving out NaN and ±Inf', () => {
    const text = matrix([
      {
        metric: {},
        values: [
          [100, '3'],
          [160, 'NaN'],
          [220, '+Inf'],
          [280, '4.5'],
        ],
      },
    ]);
    expect(parseRangeResponse(200, text)).toEqual({
      ok: true,
      points: [
        { t: 100_000, value: 3 },
        { t: 280_000, value: 4.5 },
      ],
    });
  });

  it.each([
    ['no series', 200, matrix([]), 'empty'],
    ['two series', 200, matrix([{ values: [] }, { values: [] }]), 'severalSeries'],
    [
      'a PromQL error',
      400,
      JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }),
      'queryError',
    ],
    ['a 503 page', 503, '<html>down</html>', 'httpError'],
    [
      'a vector instead of a matrix',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }),
      'badResponse',
    ],
    ['a malformed value', 200, matrix([{ values: [[1, 'x']] }]), 'badResponse'],
  ])('%s is no data (%s)', (_name, status, text, reason) => {
    expect(parseRangeResponse(status, text)).toMatchObject({ ok: false, reason });
  });
});

describe('rangeChunks', () => {
  it('keeps one query when the range fits', () => {
    expect(rangeChunks(0, 3_600_000, 60_000)).toEqual([{ start: 0, end: 3_600_000 }]);
  });

  it(`splits 15 days of 1-minute steps into queries of at most ${MAX_POINTS} points`, () => {
    const chunks = rangeChunks(0, 15 * 86_400_000, 60_000);
    expect(chunks.length).toBe(3);
    for (const c of chunks) expect((c.end - c.start) / 60_000 + 1).toBeLessThanOrEqual(MAX_POINTS);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end + 60_000);
    expect(chunks.at(-1)!.end).toBe(15 * 86_400_000);
  });
});

it('peakQuery asks for the peak of each step', () => {
  expect(peakQuery('sum(x)', 60_000)).toBe('max_over_time((sum(x))[60s:])');
});
