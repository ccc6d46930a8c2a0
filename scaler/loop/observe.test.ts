import { describe, expect, it } from 'vitest';
import type { Host } from '../../registry/types.ts';
import type { MetricSource, VectorReading } from '../sources/types.ts';
import { observeHosts, readByHost } from './observe.ts';

const source = (reading: VectorReading | Error): MetricSource => ({
  kind: 'fake',
  read: async () => ({ ok: false, reason: 'empty' }),
  readVector: async () => {
    if (reading instanceof Error) throw reading;
    return reading;
  },
  close: async () => {},
});

describe('readByHost', () => {
  it.each<[string, VectorReading | Error, string | null, Record<string, number> | undefined]>([
    [
      'sums series per host label',
      {
        ok: true,
        series: [
          { labels: { host: 'a' }, value: 2 },
          { labels: { host: 'a' }, value: 1 },
          { labels: { host: 'b' }, value: 4 },
        ],
      },
      'q',
      { a: 3, b: 4 },
    ],
    ['ignores series without a host label', { ok: true, series: [{ labels: {}, value: 9 }] }, 'q', {}],
    ['gives undefined (not zero) for no data', { ok: false, reason: 'unreachable' }, 'q', undefined],
    ['gives undefined when the source throws', new Error('boom'), 'q', undefined],
    ['gives undefined without a query', { ok: true, series: [] }, null, undefined],
  ])('%s', async (_name, reading, query, expected) => {
    const result = await readByHost(source(reading), query);
    expect(result && Object.fromEntries(result)).toEqual(expected);
  });
});

describe('observeHosts', () => {
  const host = (id: string, state: Host['state']): Host => ({
    id,
    url: `http://${id}`,
    state,
    weight: 1,
    labels: {},
    provider: 'process',
    registeredAt: 10,
    updatedAt: 20,
  });

  it('fills in-flight and warm runtimes per host, 0 when unknown', () => {
    expect(observeHosts([host('a', 'active'), host('b', 'booting')], new Map([['a', 3]]), undefined)).toEqual(
      [
        { id: 'a', state: 'active', registeredAt: 10, bootStartedAt: 10, warmRuntimes: 0, inflight: 3 },
        { id: 'b', state: 'booting', registeredAt: 10, bootStartedAt: 10, warmRuntimes: 0, inflight: 0 },
      ],
    );
  });
});
