import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents } from './plan.ts';
import {
  drawDuration,
  parseDurations,
  parseInvocations,
  type Trace,
  TraceFormatError,
  tracePlan,
  traceRate,
} from './trace.ts';
import { loadTrace } from './trace-file.ts';

const INVOCATIONS = `function_id,app_id,trigger,m1,m2,m3
f1,a1,http,2,0,3
f2,a2,timer,1,1,0
`;
const DURATIONS = `function_id,avg_ms,p0,p1,p25,p50,p75,p99,p100,count_day,min_ms,max_ms
f1,100,0,10,50,100,150,900,1000,9,0,1000
`;

function sample(): Trace {
  return { functions: parseInvocations(INVOCATIONS), durations: parseDurations(DURATIONS), minutes: 3 };
}

const replay = {
  speedup: 60,
  scale: 1,
  startMinute: 1,
  durationMs: 60_000,
  durationScale: 1,
  maxDurationMs: 10_000,
  seed: 1,
};

describe('parseInvocations / parseDurations', () => {
  it('reads counts per minute and percentile points', () => {
    const t = sample();
    expect(t.functions).toEqual([
      { id: 'f1', perMinute: [2, 0, 3] },
      { id: 'f2', perMinute: [1, 1, 0] },
    ]);
    expect(t.durations.get('f1')?.points).toEqual([
      [0, 0],
      [1, 10],
      [25, 50],
      [50, 100],
      [75, 150],
      [99, 900],
      [100, 1000],
    ]);
  });

  it.each([
    { csv: '', message: 'invocations.csv: empty file' },
    { csv: 'id,m1\nf1,2\n', message: 'missing column function_id' },
    { csv: 'function_id,app_id\nf1,a\n', message: 'no minute columns' },
    { csv: 'function_id,m1\nf1,x\n', message: 'invocations.csv:2: column m1 must be a number ≥ 0, got "x"' },
    { csv: 'function_id,m1\nf1,-1\n', message: 'column m1 must be a number ≥ 0, got "-1"' },
  ])('rejects a bad invocations file: $message', ({ csv, message }) => {
    expect(() => parseInvocations(csv)).toThrow(TraceFormatError);
    expect(() => parseInvocations(csv)).toThrow(message);
  });

  it('rejects a durations file without a percentile column', () => {
    expect(() => parseDurations('function_id,p0,p1\nf1,1,2\n')).toThrow('missing column p25');
  });
});

describe('drawDuration', () => {
  const d = parseDurations(DURATIONS).get('f1')!;
  it.each([
    { u: 0, ms: 1, why: 'the 0 ms percentile is floored to 1 ms' },
    { u: 0.25, ms: 50, why: 'exactly p25' },
    { u: 0.5, ms: 100, why: 'exactly p50' },
    { u: 0.625, ms: 125, why: 'halfway between p50 and p75' },
    { u: 0.995, ms: 950, why: 'halfway between p99 and p100' },
  ])('u=$u → $ms ms ($why)', ({ u, ms }) => {
    expect(drawDuration(d, u)).toBeCloseTo(ms, 9);
  });
});

describe('tracePlan', () => {
  it('replays every invocation at scale 1, in time order, one runtime per function', () => {
    const events = [...tracePlan(sample(), { ...replay, durationMs: 3_000 })];
    expect(events).toHaveLength(7);
    expect(events.filter((e) => e.runtimeId === 'f1')).toHaveLength(5);
    for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
    // Minute 2 (second 1..2 of wall time at 60×) holds only f2's one invocation.
    expect(events.filter((e) => e.at >= 1000 && e.at < 2000).map((e) => e.runtimeId)).toEqual(['f2']);
  });

  it('draws durations only for functions with percentiles, within the cap', () => {
    const events = [...tracePlan(sample(), { ...replay, maxDurationMs: 120 })];
    for (const e of events) {
      if (e.runtimeId === 'f1') expect(e.durationMs).toBeGreaterThanOrEqual(1);
      if (e.runtimeId === 'f1') expect(e.durationMs).toBeLessThanOrEqual(120);
      if (e.runtimeId === 'f2') expect(e.durationMs).toBeUndefined();
    }
  });

  it.each([
    { name: 'stops at the run length', options: { durationMs: 1_000 }, count: 3 },
    { name: 'starts at a later minute', options: { startMinute: 3 }, count: 3 },
    { name: 'compresses time less', options: { speedup: 30, durationMs: 2_000 }, count: 3 },
    { name: 'scales counts (0 keeps nothing)', options: { scale: 0 }, count: 0 },
    { name: 'scales counts (×10)', options: { scale: 10 }, count: 70 },
  ])('$name', ({ options, count }) => {
    expect(countEvents(tracePlan(sample(), { ...replay, ...options }))).toBe(count);
  });

  it('keeps the expected count under fractional scaling (stochastic rounding)', () => {
    const big: Trace = {
      functions: [{ id: 'f', perMinute: new Array(200).fill(10) }],
      durations: new Map(),
      minutes: 200,
    };
    const n = countEvents(tracePlan(big, { ...replay, scale: 0.25, durationMs: Number.POSITIVE_INFINITY }));
    expect(n).toBeGreaterThan(450);
    expect(n).toBeLessThan(550);
  });
});

describe('loadTrace', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'fleetgate-trace-'));
    await writeFile(join(folder, 'invocations.csv'), INVOCATIONS);
    await writeFile(join(folder, 'durations.csv'), DURATIONS);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.each([
    { name: 'a folder', path: () => folder },
    { name: 'its invocations.csv', path: () => join(folder, 'invocations.csv') },
  ])('reads $name with durations.csv beside it', async ({ path }) => {
    const trace = await loadTrace(path());
    expect(trace.functions).toHaveLength(2);
    expect(trace.minutes).toBe(3);
    expect(trace.durations.size).toBe(1);
    // 7 invocations in 3 minutes at 60× speed: 7/3 per second.
    expect(traceRate(trace, 1, 3, 60)).toBeCloseTo(7 / 3, 9);
  });

  it('names a missing trace', async () => {
    await expect(loadTrace('/nonexistent/trace')).rejects.toThrow('trace not found: /nonexistent/trace');
  });
});
