import type { DecisionRecord } from '../types.ts';
import type { Figures } from './figures.ts';
import type { SimulationResult } from './run.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function describeActions(r: DecisionRecord): string {
  const parts = r.actions.map((a) => (a.type === 'start' ? `start ${a.count}` : `${a.type} ${a.hostId}`));
  const text = parts.length > 4 ? `${parts.slice(0, 3).join(', ')}, … (${parts.length})` : parts.join(', ');
  return r.actions.length > 0 && !r.actions[0]!.execute ? `${text} (not executed)` : text;
}

function demandOf(r: DecisionRecord): string {
  const readings = Object.values(r.inputs.metrics);
  return readings
    .map((m) => (m.ok ? String(Math.round(m.value * 10) / 10) : `no data (${m.reason})`))
    .join(' ');
}

/** The forecast of a tick (max over metrics): its upper bound, or why there is none. */
function forecastOf(r: DecisionRecord): string {
  const all = Object.values(r.forecasts ?? {});
  const trusted = all.filter((f) => f.trusted && f.upper !== null);
  if (trusted.length > 0) {
    const best = trusted.reduce((a, b) => (b.upper! > a.upper! ? b : a));
    return `${Math.round(best.upper! * 10) / 10} (${best.model}, err ${Math.round((best.error ?? 0) * 100)} %)`;
  }
  return all.length > 0 ? all[0]!.reason : '';
}

/** The ticks worth reading: those that acted or whose reason changed. */
export function decisionTable(records: readonly DecisionRecord[]): string {
  const withForecast = records.some((r) => r.forecasts !== undefined);
  const rows: string[][] = [];
  let previous = '';
  for (const r of records) {
    if (r.actions.length === 0 && r.reason === previous) continue;
    previous = r.reason;
    const h = r.inputs.hosts;
    rows.push([
      `${r.time / 1000}`,
      demandOf(r),
      `${h.active}/${h.booting}/${h.draining}`,
      ...(withForecast ? [forecastOf(r)] : []),
      `${r.inputs.current} → ${r.desired}`,
      r.reason,
      describeActions(r),
    ]);
  }
  return table(
    [
      't (s)',
      'metric',
      'act/boot/drain',
      ...(withForecast ? ['forecast'] : []),
      'hosts',
      'reason',
      'actions',
    ],
    rows,
  );
}

const LABELS: [keyof Figures, string][] = [
  ['scaleUpLatencyS', 'scale-up latency (s)'],
  ['timeToCapacityS', 'longest under-provisioned stretch (s)'],
  ['underProvisionedS', 'under-provisioned (s)'],
  ['overProvisionedHostS', 'over-provisioned (host·s)'],
  ['scaleEvents', 'scale events'],
  ['reversals', 'direction reversals'],
  ['executionsCutOff', 'executions cut off'],
  ['warmRuntimesDrained', 'warm runtimes drained'],
  ['hostsStarted', 'hosts started'],
  ['hostsReplaced', 'hosts replaced (boot timeout)'],
  ['peakHosts', 'peak hosts'],
  ['finalHosts', 'final hosts'],
  ['registryWrites', 'registry writes'],
];

/** The per-run figures as a two-column table. */
export function figuresTable(figures: Figures): string {
  return table(
    ['figure', 'value'],
    LABELS.map(([k, label]) => [label, figures[k] === null ? '–' : String(figures[k])]),
  );
}

/** Several runs' figures side by side (one row per run), as Markdown. */
export function figuresMarkdown(runs: { name: string; figures: Figures }[]): string {
  const cols: (keyof Figures)[] = [
    'scaleUpLatencyS',
    'underProvisionedS',
    'overProvisionedHostS',
    'scaleEvents',
    'reversals',
    'executionsCutOff',
    'peakHosts',
    'finalHosts',
  ];
  const header = [
    'run',
    'scale-up latency (s)',
    'under-prov. (s)',
    'over-prov. (host·s)',
    'scale events',
    'reversals',
    'cut off',
    'peak hosts',
    'final hosts',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...runs.map(
      (r) =>
        `| ${[r.name, ...cols.map((c) => (r.figures[c] === null ? '–' : String(r.figures[c])))].join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

/** Text report of one run: the decisions that mattered, then the figures. */
export function textReport(title: string, result: SimulationResult): string {
  return `${title}\n\n${decisionTable(result.records)}\n\n${figuresTable(result.figures)}\n`;
}
