import { describe, expect, it } from 'vitest';
import { evaluateQuery, type NamedSample, parseQuery, UnsupportedQueryError } from './query.ts';

const samples: NamedSample[] = [
  { name: 'inflight', labels: { host: 'a', pool: 'p', instance: 'g1' }, value: 3 },
  { name: 'inflight', labels: { host: 'b', pool: 'p', instance: 'g1' }, value: 4 },
  { name: 'inflight', labels: { host: 'a', pool: 'p', instance: 'g2' }, value: 5 },
  { name: 'inflight', labels: { host: 'c', pool: 'q', instance: 'g2' }, value: 100 },
  { name: 'other', labels: { host: 'a' }, value: 1000 },
];

const run = (q: string) =>
  evaluateQuery(parseQuery(q), samples)
    .map((s) => ({ labels: s.labels, value: s.value }))
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

describe('gateway query subset', () => {
  it.each([
    ['sum over everything', 'sum(inflight)', [{ labels: {}, value: 112 }]],
    ['sum with an equality matcher', 'sum(inflight{pool="p"})', [{ labels: {}, value: 12 }]],
    ['sum for one host across gateways', 'sum(inflight{host="a"})', [{ labels: {}, value: 8 }]],
    ['not-equal', 'sum(inflight{pool!="p"})', [{ labels: {}, value: 100 }]],
    ['anchored regex', 'sum(inflight{host=~"a|b"})', [{ labels: {}, value: 12 }]],
    ['anchored negative regex', 'sum(inflight{host!~"a"})', [{ labels: {}, value: 104 }]],
    ['regex is anchored', 'sum(inflight{instance=~"g"})', []],
    ['max', 'max(inflight{pool="p"})', [{ labels: {}, value: 5 }]],
    ['min', 'min(inflight)', [{ labels: {}, value: 3 }]],
    ['avg', 'avg(inflight{pool="p"})', [{ labels: {}, value: 4 }]],
    ['count', 'count(inflight)', [{ labels: {}, value: 4 }]],
    [
      'sum by before',
      'sum by (host) (inflight{pool="p"})',
      [
        { labels: { host: 'a' }, value: 8 },
        { labels: { host: 'b' }, value: 4 },
      ],
    ],
    [
      'sum by after',
      "sum(inflight{pool='p'}) by (host)",
      [
        { labels: { host: 'a' }, value: 8 },
        { labels: { host: 'b' }, value: 4 },
      ],
    ],
    ['no match is no series', 'sum(inflight{pool="none"})', []],
    ['a bare selector', 'other', [{ labels: { host: 'a' }, value: 1000 }]],
    [
      'several matchers',
      'inflight{host="a", instance="g2"}',
      [{ labels: { host: 'a', pool: 'p', instance: 'g2' }, value: 5 }],
    ],
  ])('%s: %s', (_name, query, expected) => {
    expect(run(query)).toEqual(expected);
  });

  it.each([
    ['rate', 'rate(x[1m])'],
    ['arithmetic', 'sum(x) / 2'],
    ['without', 'sum without (a) (x)'],
    ['nested', 'sum(max(x))'],
    ['unquoted value', 'x{a=b}'],
    ['unterminated value', 'x{a="b}'],
    ['empty', ''],
    ['range selector', 'x[5m]'],
    ['invalid regex', 'x{a=~"("}'],
  ])('rejects %s with a message naming the supported subset', (_name, query) => {
    expect(() => parseQuery(query)).toThrow(UnsupportedQueryError);
    expect(() => parseQuery(query)).toThrow('supported:');
  });
});
