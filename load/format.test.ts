import { describe, expect, it } from 'vitest';
import { formatMs, formatSummary, progressLine, table } from './format.ts';
import { LoadReport } from './report.ts';

describe('formatMs', () => {
  it.each([
    { ms: undefined, text: '-' },
    { ms: 0.842, text: '0.84 ms' },
    { ms: 12.34, text: '12.3 ms' },
    { ms: 1204.4, text: '1204 ms' },
  ])('$ms → $text', ({ ms, text }) => expect(formatMs(ms)).toBe(text));
});

describe('table', () => {
  it('aligns columns and trims trailing space', () => {
    expect(
      table([
        ['id', 'state'],
        ['host-long', 'active'],
      ]),
    ).toBe('id         state\nhost-long  active');
  });
});

describe('progressLine', () => {
  it('fills the bar in proportion to elapsed time', () => {
    const line = progressLine(
      { elapsedMs: 15_000, totalMs: 30_000, sent: 10, completed: 9, errors: 1, inFlight: 1, rps: 20, p95: 3 },
      10,
    );
    expect(line).toContain('[#####.....]  50% 15/30s');
    expect(line).toContain('errors 1');
    expect(line).toContain('p95 3.00 ms');
  });
});

describe('formatSummary', () => {
  it('prints totals, percentiles and one row per host', () => {
    const r = new LoadReport();
    r.sent = 3;
    r.add({ runtimeId: 'a', latencyMs: 5, status: 200, host: 'exec-1' });
    r.add({ runtimeId: 'b', latencyMs: 7, status: 200, host: 'exec-2' });
    r.add({ runtimeId: 'b', latencyMs: 7, status: 502, host: 'exec-2', error: 'http_502' });
    const text = formatSummary(r.summary(1000));
    expect(text).toContain('3 sent, 2 ok, 1 errors (http_502: 1)');
    expect(text).toContain('cold routes  2 (inferred');
    expect(text).toMatch(/exec-1\s+1\s+0\s+1\s+5\.00 ms/);
    expect(text).toMatch(/exec-2\s+2\s+1\s+1\s+7\.00 ms/);
  });
});
