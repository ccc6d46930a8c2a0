import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** One Markdown table of a benchmark's results. */
export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
  /** Lines printed under the table. */
  notes?: string[];
}

/** The machine a benchmark ran on; absolute numbers only mean something next to this. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  loadavgAtStart: number[];
  tools: Record<string, string | null>;
}

/** Everything a results file holds. */
export interface BenchResult {
  benchmark: string;
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  tables: ResultTable[];
  notes: string[];
  /** Raw per-run data, benchmark-specific. */
  data: unknown;
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  if (r.error) return null;
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.split('\n')[0] ?? null;
}

/** The machine as a measurement needs it named: cores, CPU model, Node, load average now. */
export interface HostFacts {
  nproc: number;
  cpuModel: string;
  node: string;
  loadavg: number[];
}

/** Reads nproc, the CPU model from /proc/cpuinfo, Node's version and the load average. */
export function hostFacts(): HostFacts {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return {
    nproc: cpus().length,
    cpuModel,
    node: process.version,
    loadavg: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/** `hostFacts()` plus the peers' versions. */
export function machineInfo(): MachineInfo {
  const { loadavg: loadavgAtStart, ...facts } = hostFacts();
  return {
    ...facts,
    loadavgAtStart,
    tools: {
      haproxy: firstLine('haproxy', ['-v']),
      nginx: firstLine('nginx', ['-v']),
      wrk: firstLine('wrk', ['--version']),
    },
  };
}

/** Renders one table as GitHub Markdown. */
export function markdownTable(table: ResultTable): string {
  const cell = (v: string | number | null) => (v === null || v === undefined ? '–' : String(v));
  const lines = [
    `| ${table.columns.join(' | ')} |`,
    `|${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The whole results file as Markdown: machine, command, each table with its notes. */
export function markdownReport(result: BenchResult): string {
  const m = result.machine;
  const parts = [
    `# ${result.benchmark}${result.quick ? ' (quick)' : ''}`,
    '',
    `Command: \`${result.command}\` — ${result.startedAt}, ${result.durationSeconds} s.`,
    `Machine: ${m.nproc} × ${m.cpuModel}, Node ${m.node}, load average at start ${m.loadavgAtStart.join(' / ')}.`,
    '',
  ];
  for (const t of result.tables) {
    parts.push(`### ${t.title}`, '', markdownTable(t), '');
    for (const n of t.notes ?? []) parts.push(`- ${n}`);
    if (t.notes?.length) parts.push('');
  }
  for (const n of result.notes) parts.push(`- ${n}`);
  return `${parts.join('\n').trimEnd()}\n`;
}

/** Writes `<outDir>/<name>.json` and `<outDir>/<name>.md`; returns their paths. */
export function writeResults(
  outDir: string,
  name: string,
  result: BenchResult,
): { json: string; md: string } {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, `${name}.json`);
  const md = join(outDir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(md, markdownReport(result));
  return { json, md };
}

/**
 * The command that reproduces a run, as a reader would type it: the npm script that ran
 * (`npm_lifecycle_event`, else `bench:<benchmark>`) and the arguments it was given.
 */
export function commandLine(
  benchmark: string,
  quick: boolean,
  args: readonly string[],
  lifecycleEvent: string | undefined,
): string {
  const script = lifecycleEvent?.startsWith('bench:') ? lifecycleEvent : `bench:${benchmark}`;
  const given = quick && !args.includes('--quick') ? [...args, '--quick'] : [...args];
  const quoted = given.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
  return `npm run ${script}${quoted.length ? ` -- ${quoted.join(' ')}` : ''}`;
}

/** Starts the clock for a result; `finish` fills in the end time and writes the files. */
export function startResult(
  benchmark: string,
  quick: boolean,
): {
  finish(outDir: string, tables: ResultTable[], notes: string[], data: unknown): BenchResult;
} {
  const started = Date.now();
  const machine = machineInfo();
  const command = commandLine(benchmark, quick, process.argv.slice(2), process.env.npm_lifecycle_event);
  return {
    finish(outDir, tables, notes, data) {
      const result: BenchResult = {
        benchmark,
        command,
        quick,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date().toISOString(),
        durationSeconds: Math.round((Date.now() - started) / 100) / 10,
        machine,
        tables,
        notes,
        data,
      };
      const paths = writeResults(outDir, benchmark, result);
      process.stdout.write(`${markdownReport(result)}\nwrote ${paths.json} and ${paths.md}\n`);
      return result;
    },
  };
}
