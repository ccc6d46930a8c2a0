import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HostFacts, hostFacts } from '../../bench/lib/results.ts';

/**
 * The evidence behind the README's Reliability section. Each reliability test (fault, fuzz, soak)
 * hands its measured figures to `recordReliability`; in the long runs (`npm run test:long`, which sets
 * FLEETGATE_LONG=1) they are merged into `bench/results/reliability.json` and the Markdown
 * `reliability.md` is rendered from it, the way the benchmarks write theirs. The short runs of
 * `npm test` print the same entry as one `RELIABILITY {...}` line and write nothing, so a quick
 * local run never overwrites the long figures. `FLEETGATE_RELIABILITY_OUT=DIR` writes to DIR instead
 * (in any mode).
 */

/** What kind of run an entry comes from; each kind is one part of the Markdown report. */
export type ReliabilityKind = 'fault' | 'fuzz' | 'soak';

/** One measured entry, keyed by a stable id so a re-run replaces its own entry only. */
export interface ReliabilityEntry {
  /** Stable across runs, e.g. `fault:executor-sigkill`. */
  id: string;
  kind: ReliabilityKind;
  /** One line: what was done. */
  title: string;
  /** The measured figures; numbers, strings, or nested rows (soak windows). */
  figures: Record<string, unknown>;
}

/** An entry as stored, with when, in which mode and on what machine it was measured. */
export interface RecordedEntry extends ReliabilityEntry {
  recordedAt: string;
  long: boolean;
  machine: HostFacts;
}

/** The whole `reliability.json`. */
export interface ReliabilityDoc {
  command: string;
  updatedAt: string;
  entries: RecordedEntry[];
}

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

/** Where entries are written in this run, or undefined when they are only printed. */
export function reliabilityOutDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FLEETGATE_RELIABILITY_OUT) return env.FLEETGATE_RELIABILITY_OUT;
  return env.FLEETGATE_LONG === '1' ? RESULTS_DIR : undefined;
}

/** Prints the entry and, in a long run, merges it into the results files. */
export function recordReliability(entry: ReliabilityEntry): void {
  console.log(`RELIABILITY ${JSON.stringify(entry)}`);
  const dir = reliabilityOutDir();
  if (dir === undefined) return;
  const recorded: RecordedEntry = {
    ...entry,
    recordedAt: new Date().toISOString(),
    long: process.env.FLEETGATE_LONG === '1',
    machine: hostFacts(),
  };
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, 'reliability.json');
  let doc: ReliabilityDoc | undefined;
  try {
    doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as ReliabilityDoc;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next = mergeEntry(doc, recorded);
  writeAtomic(jsonPath, `${JSON.stringify(next, null, 2)}\n`);
  writeAtomic(join(dir, 'reliability.md'), renderReliability(next));
}

/** The document with `entry` replacing the entry of the same id (in place) or appended. Pure. */
export function mergeEntry(doc: ReliabilityDoc | undefined, entry: RecordedEntry): ReliabilityDoc {
  const entries = [...(doc?.entries ?? [])];
  const at = entries.findIndex((e) => e.id === entry.id);
  if (at >= 0) entries[at] = entry;
  else entries.push(entry);
  return { command: 'npm run test:long', updatedAt: entry.recordedAt, entries };
}

const FAULT_COLUMNS: [string, string][] = [
  ['load', 'load'],
  ['sent', 'sent'],
  ['failed', 'failed'],
  ['failedNotSent', 'failed, not sent'],
  ['recoverMs', 'time to recover (ms)'],
];

/** The Markdown report: the fault table, then the fuzz and soak entries, each with its run facts. Pure. */
export function renderReliability(doc: ReliabilityDoc): string {
  const cell = (v: unknown) => (v === undefined || v === null ? '–' : String(v).replaceAll('|', '\\|'));
  const when = (e: RecordedEntry) =>
    `${e.recordedAt.slice(0, 16).replace('T', ' ')} UTC, ${e.long ? 'long' : 'short'} run, load average ${e.machine.loadavg.join(' / ')}`;
  const out = [
    '# reliability',
    '',
    `Command: \`${doc.command}\` (or one file: \`FLEETGATE_LONG=1 npx vitest run FILE\`) — last entry ${doc.updatedAt}.`,
    'Each entry is replaced only when its own test runs again; the run facts say when and under what load.',
    '',
  ];
  const faults = doc.entries.filter((e) => e.kind === 'fault');
  if (faults.length > 0) {
    out.push('## Faults under load', '');
    out.push(`| fault | ${FAULT_COLUMNS.map(([, h]) => h).join(' | ')} | measured |`);
    out.push(`|---|${FAULT_COLUMNS.map(() => '---').join('|')}|---|`);
    for (const e of faults) {
      const cells = FAULT_COLUMNS.map(([k]) => cell(e.figures[k]));
      out.push(`| ${cell(e.title)} | ${cells.join(' | ')} | ${when(e)} |`);
    }
    out.push('');
  }
  for (const kind of ['fuzz', 'soak'] as const) {
    const entries = doc.entries.filter((e) => e.kind === kind);
    if (entries.length === 0) continue;
    out.push(`## ${kind === 'fuzz' ? 'Bad input (fuzz)' : 'Soak'}`, '');
    for (const e of entries) {
      out.push(`### ${e.title}`, '', `Measured ${when(e)}.`, '');
      const { windows, ...scalars } = e.figures as { windows?: Record<string, unknown>[] };
      for (const [k, v] of Object.entries(scalars))
        out.push(`- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : cell(v)}`);
      if (Array.isArray(windows) && windows.length > 0) {
        const cols = Object.keys(windows[0]!);
        out.push('', `| ${cols.join(' | ')} |`, `|${cols.map(() => '---:').join('|')}|`);
        for (const w of windows) out.push(`| ${cols.map((c) => cell(w[c])).join(' | ')} |`);
      }
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
