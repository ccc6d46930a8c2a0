import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { failedNotSent } from '../faults/support/fault-load.ts';
import { isTroubled } from '../faults/support/gateway-process.ts';
import {
  mergeEntry,
  type RecordedEntry,
  type ReliabilityDoc,
  recordReliability,
  reliabilityOutDir,
  renderReliability,
} from './reliability.ts';

const machine = { nproc: 2, cpuModel: 'test cpu', node: 'v20', loadavg: [1, 2, 3] };
const entry = (id: string, kind: RecordedEntry['kind'], figures: Record<string, unknown>): RecordedEntry => ({
  id,
  kind,
  title: `title of ${id}`,
  figures,
  recordedAt: '2026-12-03T05:00:00.000Z',
  long: true,
  machine,
});

describe('reliability results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-reliability-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    [{}, undefined],
    [{ FLEETGATE_LONG: '1' }, 'bench/results/'],
    [{ FLEETGATE_RELIABILITY_OUT: '/x' }, '/x'],
  ])('writes in %j to %s', (env, where) => {
    const out = reliabilityOutDir(env);
    if (where === undefined) expect(out).toBeUndefined();
    else expect(out?.endsWith(where)).toBe(true);
  });

  it('replaces an entry of the same id in place and appends a new one', () => {
    let doc: ReliabilityDoc | undefined;
    doc = mergeEntry(doc, entry('fault:a', 'fault', { sent: 1 }));
    doc = mergeEntry(doc, entry('fault:b', 'fault', { sent: 2 }));
    doc = mergeEntry(doc, entry('fault:a', 'fault', { sent: 3 }));
    expect(doc.entries.map((e) => [e.id, e.figures.sent])).toEqual([
      ['fault:a', 3],
      ['fault:b', 2],
    ]);
    expect(doc.command).toBe('npm run test:long');
  });

  it('renders the fault table with unmeasured cells as a dash, then fuzz and soak entries', () => {
    const md = renderReliability({
      command: 'npm run test:long',
      updatedAt: 'now',
      entries: [
        entry('fault:a', 'fault', {
          load: '1 req/s | x',
          sent: 10,
          failed: 1,
          failedNotSent: null,
          recoverMs: 5,
        }),
        entry('fuzz:g', 'fuzz', { cases: 6, statuses: { 400: 6 } }),
        entry('soak', 'soak', { sent: 9, windows: [{ fromS: 0, requests: 9, p50: 101, p99: 120 }] }),
      ],
    });
    expect(md).toContain(
      '| title of fault:a | 1 req/s \\| x | 10 | 1 | – | 5 | 2026-12-03 05:00 UTC, long run',
    );
    expect(md).toContain('## Bad input (fuzz)');
    expect(md).toContain('- statuses: {"400":6}');
    expect(md).toContain('| fromS | requests | p50 | p99 |');
    expect(md).toContain('| 0 | 9 | 101 | 120 |');
  });

  it('records into FLEETGATE_RELIABILITY_OUT: JSON and Markdown, merged across calls', () => {
    vi.stubEnv('FLEETGATE_RELIABILITY_OUT', dir);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    recordReliability({ id: 'fault:x', kind: 'fault', title: 'x', figures: { sent: 1 } });
    recordReliability({ id: 'fault:y', kind: 'fault', title: 'y', figures: { sent: 2 } });
    const doc = JSON.parse(readFileSync(join(dir, 'reliability.json'), 'utf8')) as ReliabilityDoc;
    expect(doc.entries.map((e) => e.id)).toEqual(['fault:x', 'fault:y']);
    expect(doc.entries[0]!.machine.nproc).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'reliability.md'), 'utf8')).toMatch(/\| y \| – \| 2 \|/);
  });
});

describe('fault-row figures', () => {
  it.each([
    ['measured by the relays', [1, 2, 3], (s: number) => s !== 2, 1],
    ['nothing failed, nothing recorded', [], undefined, 0],
    ['failures without relays: unknown', [4], undefined, null],
  ])('failed, not sent: %s', (_name, failed, reachedHost, expected) => {
    expect(failedNotSent({ failed, reachedHost })).toBe(expected);
  });

  it.each([
    ['{"level":30,"msg":"ok"}', false],
    ['', false],
    ['{"level":50,"msg":"unexpected error"}', true],
    ['{"level":60}', true],
    ['    at Object.<anonymous> (/x.js:1:1)', true],
    ['{"msg":"no level"}', true],
  ])('a gateway output line %j is troubled: %s', (line, troubled) => {
    expect(isTroubled(line)).toBe(troubled);
  });
});
