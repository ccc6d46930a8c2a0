import { describe, expect, it } from 'vitest';
import { LoadReport, type RequestOutcome, UNKNOWN_HOST } from './report.ts';

function run(outcomes: RequestOutcome[]) {
  const r = new LoadReport();
  for (const o of outcomes) r.add(o);
  return r.summary(2_000);
}

describe('LoadReport', () => {
  it('infers a cold route from the first request of a runtime on each host', () => {
    const s = run([
      { runtimeId: 'a', latencyMs: 10, status: 200, host: 'h1' },
      { runtimeId: 'a', latencyMs: 2, status: 200, host: 'h1' },
      { runtimeId: 'a', latencyMs: 9, status: 200, host: 'h2' },
      { runtimeId: 'b', latencyMs: 8, status: 200, host: 'h1' },
    ]);
    expect(s.coldRoutes).toBe(3);
    expect(s.coldSource).toBe('inferred');
    expect(s.hosts.map((h) => [h.host, h.requests, h.coldRoutes])).toEqual([
      ['h1', 3, 2],
      ['h2', 1, 1],
    ]);
  });

  it('uses the gateway cold signal when the responses carry it', () => {
    const s = run([
      { runtimeId: 'a', latencyMs: 10, status: 200, host: 'h1', cold: false },
      { runtimeId: 'a', latencyMs: 2, status: 200, host: 'h1', cold: true },
    ]);
    expect(s.coldRoutes).toBe(1);
    expect(s.coldSource).toBe('gateway');
  });

  it('counts errors by kind, keeps them out of the latency figures, and buckets unnamed hosts', () => {
    const s = run([
      { runtimeId: 'a', latencyMs: 1000, status: 502, error: 'http_502' },
      { runtimeId: 'a', latencyMs: 5, error: 'ECONNREFUSED' },
      { runtimeId: 'a', latencyMs: 5, error: 'ECONNREFUSED' },
      { runtimeId: 'b', latencyMs: 4, status: 200 },
    ]);
    expect(s).toMatchObject({
      completed: 4,
      ok: 1,
      errors: 3,
      errorsByKind: { http_502: 1, ECONNREFUSED: 2 },
      latencyMs: { p50: 4, p99: 4, max: 4 },
      coldRoutes: 0,
      coldSource: 'none',
      throughput: 2,
    });
    expect(s.hosts).toEqual([
      {
        host: UNKNOWN_HOST,
        requests: 4,
        errors: 3,
        coldRoutes: 0,
        latencyMs: { p50: 4, p95: 4, p99: 4, max: 4 },
      },
    ]);
  });
});
