import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { policySchema } from '../policy/schema.ts';
import type { MetricSource, RangeReading } from '../sources/types.ts';
import { MetricHistory } from './history.ts';

const MIN = 60_000;
const policy = policySchema.parse({
  metrics: [{ name: 'inflight', query: 'sum(x)', target: { type: 'averagePerHost', value: 8 } }],
  forecast: { enabled: true, lookback: '1h' },
});
const log = silentLogger();

/** A fake source answering range queries from a list (unit test of the history's bookkeeping). */
function sourceOf(answers: RangeReading[], withRange = true): MetricSource & { asked: unknown[][] } {
  const asked: unknown[][] = [];
  const source = {
    kind: 'fake',
    asked,
    read: async () => ({ ok: true as const, value: 0 }),
    readVector: async () => ({ ok: true as const, series: [] }),
    close: async () => {},
  };
  if (!withRange) return source;
  return {
    ...source,
    async readRange(...args: unknown[]) {
      asked.push(args);
      return answers.shift() ?? { ok: false, reason: 'empty' };
    },
  };
}

describe('MetricHistory', () => {
  const now = 10 * 60 * MIN;

  it('loads the lookback once from a range query, then appends each reading', async () => {
    const source = sourceOf([
      {
        ok: true,
        points: [
          { t: now - 2 * MIN, value: 5 },
          { t: now - MIN, value: 6 },
        ],
      },
    ]);
    const history = new MetricHistory(policy, source, log);
    await history.seed(now);
    history.record({ inflight: { ok: true, value: 7 } }, now);
    await history.seed(now + 15_000);
    history.record({ inflight: { ok: false, reason: 'timeout' } }, now + 15_000);
    history.record({ inflight: { ok: true, value: 8 } }, now + 30_000);
    expect(source.asked).toEqual([['sum(x)', now - 60 * MIN, now, MIN]]);
    expect(history.get().inflight).toEqual([
      { t: now - 2 * MIN, value: 5 },
      { t: now - MIN, value: 6 },
      { t: now, value: 7 },
      { t: now + 30_000, value: 8 },
    ]);
  });

  it('asks again 5 minutes after a failed range query, not on every tick', async () => {
    const source = sourceOf([
      { ok: false, reason: 'httpError', detail: 'HTTP 503' },
      { ok: true, points: [] },
    ]);
    const history = new MetricHistory(policy, source, log);
    await history.seed(now);
    await history.seed(now + MIN);
    expect(source.asked.length).toBe(1);
    await history.seed(now + 5 * MIN);
    expect(source.asked.length).toBe(2);
  });

  it('keeps memory alone on a source without range queries, bounded by the lookback', async () => {
    const history = new MetricHistory(policy, sourceOf([], false), log);
    await history.seed(now);
    const end = 8 * 60 * MIN;
    for (let t = 0; t <= end; t += 15_000) history.record({ inflight: { ok: true, value: 1 } }, t);
    const points = history.get().inflight!;
    expect(points.at(-1)!.t).toBe(end);
    // 1921 readings; older ones are dropped in batches: never more than the lookback plus one batch.
    expect(points.length).toBeLessThan(1921);
    expect(points.length).toBeLessThanOrEqual(60 * 4 + 1 + 1001);
    expect(points.filter((p) => p.t >= end - 60 * MIN).length).toBe(60 * 4 + 1);
  });
});
