import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AZURE_TRACE_DIR } from '../../lib/traces.ts';
import { computeFigures, type Sample } from './figures.ts';
import { azureDemand, demandOf, parseSeries, SeriesError } from './series.ts';

describe('parseSeries', () => {
  it.each([
    ['CSV with a header, seconds', 'time,demand\n0,8\n60,320\n'],
    ['CSV without a header, durations', '0s,8\n1m,320\n'],
    ['JSON objects', '[{"time": 0, "demand": 8}, {"time": 60, "demand": 320}]'],
    ['JSON pairs', '[[0, 8], [60, 320]]'],
  ])('reads %s', (_name, text) => {
    const s = parseSeries(text, 's');
    expect(s.points).toEqual([
      { t: 0, demand: 8 },
      { t: 60_000, demand: 320 },
    ]);
    expect(s.durationMs).toBe(120_000);
    const d = demandOf(s);
    expect([d(0), d(59_999), d(60_000), d(1e9)]).toEqual([8, 8, 320, 320]);
  });

  it.each([
    ['a negative demand', '0,-1\n', 's:1: demand must be a number ≥ 0'],
    ['a bad time', 'time,demand\nsoon,1\n', 's:2: time must be a duration'],
    ['bad JSON', '[1,', 's: not valid JSON'],
    ['a bad JSON point', '[{"t": 1}]', 's[0]: a point is'],
    ['nothing', 'time,demand\n', 's: no points'],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseSeries(text, 's')).toThrow(SeriesError);
    expect(() => parseSeries(text, 's')).toThrow(message);
  });
});

describe('azureDemand', () => {
  it('turns invocations per minute × average duration into in-flight demand (Little’s law)', () => {
    const inv = 'function_id,app_id,trigger,m1,m2\nf1,a,http,60,120\nf2,a,timer,6,0\n';
    const dur = 'function_id,avg_ms\nf1,1000\nf2,0\n';
    // f1: 60/min × 1 s = 1 in flight; f2: 6/min × 1 ms (floor) = 0.0001.
    const s = azureDemand(inv, dur, 1);
    expect(s.points.map((p) => Math.round(p.demand * 1e4) / 1e4)).toEqual([1.0001, 2]);
    expect(s.durationMs).toBe(120_000);
    expect(azureDemand(inv, dur, 10).points[1]!.demand).toBe(20);
  });

  it('reads the bundled sample: 480 minutes, 7–18 in flight before scaling', () => {
    const s = azureDemand(
      readFileSync(join(AZURE_TRACE_DIR, 'invocations.csv'), 'utf8'),
      readFileSync(join(AZURE_TRACE_DIR, 'durations.csv'), 'utf8'),
      1,
    );
    const values = s.points.map((p) => p.demand);
    expect(values).toHaveLength(480);
    expect(Math.min(...values)).toBeGreaterThan(7);
    expect(Math.max(...values)).toBeLessThan(18);
  });
});

describe('computeFigures', () => {
  const sample = (
    t: number,
    demand: number,
    active: number,
    booting = 0,
    draining = 0,
    before = active + booting,
  ): Sample => ({
    t,
    demand,
    active,
    booting,
    draining,
    before,
  });

  it('counts under- and over-provisioning, events and reversals', () => {
    // The tick at t = 2 starts 3 hosts: 2 before it acted, 2 + 3 booting after.
    const samples = [
      sample(0, 8, 2),
      sample(1, 40, 2),
      sample(2, 40, 2, 3, 0, 2),
      sample(3, 40, 5),
      sample(4, 8, 5, 0, 1),
    ];
    const f = computeFigures(
      samples,
      [
        { t: 2, direction: 'up' },
        { t: 4, direction: 'down' },
        { t: 5, direction: 'up' },
      ],
      8,
      0.1,
      { cutOff: 0, stoppedBusy: 0, started: 3, replaced: 0, registryWrites: 4 },
    );
    expect(f).toMatchObject({
      underProvisionedS: 2,
      timeToCapacityS: 2,
      // t0: 2 − 1, t2: 5 − 5, t3: 5 − 5, t4: 6 − 1
      overProvisionedHostS: 1 + 5,
      scaleUpLatencyS: 1,
      scaleEvents: 3,
      reversals: 2,
      peakHosts: 5,
      finalHosts: 5,
    });
  });
});
