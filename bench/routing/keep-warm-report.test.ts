import { describe, expect, it } from 'vitest';
import { keepWarmRows, replayMs } from './keep-warm.ts';
import { frontierPoints, type KeepWarmRun } from './keep-warm-report.ts';

const rows = keepWarmRows(60);
const named = (short: string) => rows.find((r) => r.short === short)!.target.name;
const run = (target: string, warm: number, percent: number, percentByServers: number): KeepWarmRun => ({
  workload: 'azure',
  target,
  total: { p95: 0, p99: 0, inflightPeakToAvg: 1, errors: 0 },
  lifetime: {
    delays: {
      requests: 100,
      delayed: percent,
      percent,
      firstCalls: 0,
      delayedByServers: percentByServers,
      percentByServers,
    },
    warmRuntimeSeconds: warm,
    warmPeak: 0,
    warmSamples: 0,
  },
});

describe('keep-warm rows', () => {
  it('scale every lifetime time to the replay clock', () => {
    expect(replayMs(60, 60)).toBe(1000);
    expect(rows.find((r) => r.reference)?.target.reaping).toEqual({
      inactiveThresholdMs: 10_000,
      maintenanceIntervalMs: 1000,
    });
    expect(rows.filter((r) => r.reference)).toHaveLength(1);
  });
});

describe('frontierPoints', () => {
  it('normalises warm memory to the fixed 10-minute row of the same run, by either delay measure', () => {
    const runs = [
      run(named('fixed keep-alive 10 min'), 400, 2, 1.5),
      run(named('fixed keep-alive 1 min'), 100, 8, 6),
      run(named('hybrid · gateway owns lifetime'), 300, 1, 0.5),
    ];
    expect(frontierPoints('azure', runs, rows, 'client').map((p) => [p.series, p.memory, p.cold])).toEqual([
      ['fixed', 1, 2],
      ['fixed', 0.25, 8],
      ['hybrid', 0.75, 1],
    ]);
    expect(frontierPoints('azure', runs, rows, 'servers').map((p) => p.cold)).toEqual([1.5, 6, 0.5]);
  });

  it('has no points without the reference row', () => {
    expect(
      frontierPoints('azure', [run(named('fixed keep-alive 1 min'), 100, 8, 6)], rows, 'client'),
    ).toEqual([]);
  });
});
