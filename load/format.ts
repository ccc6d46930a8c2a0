import type { LoadSummary, Percentiles } from './report.ts';
import type { LoadProgress } from './runner.ts';

/** Milliseconds with a precision that suits their size: `0.84 ms`, `12.3 ms`, `1204 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** Lays out rows as left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One progress line: a bar of `width` cells, then the live figures. */
export function progressLine(p: LoadProgress, width = 24): string {
  const fraction = p.totalMs > 0 ? Math.min(1, p.elapsedMs / p.totalMs) : 1;
  const filled = Math.round(fraction * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  const time = `${(p.elapsedMs / 1000).toFixed(0)}/${(p.totalMs / 1000).toFixed(0)}s`;
  return `[${bar}] ${percent} ${time}  sent ${p.sent}  done ${p.completed}  errors ${p.errors}  in-flight ${p.inFlight}  ${p.rps.toFixed(0)} req/s  p95 ${formatMs(p.p95)}`;
}

function latencyText(l: Percentiles): string {
  return `p50 ${formatMs(l.p50)}  p95 ${formatMs(l.p95)}  p99 ${formatMs(l.p99)}  max ${formatMs(l.max)}`;
}

const COLD_SOURCE: Record<LoadSummary['coldSource'], string> = {
  gateway: 'as reported by the gateway',
  inferred: 'inferred: first request of a runtime on a host',
  mixed: 'partly reported by the gateway, partly inferred',
  none: 'no response named its host',
};

/** The human summary printed at the end of `fleetgate load`. */
export function formatSummary(s: LoadSummary): string {
  const kinds = Object.entries(s.errorsByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  const lines = [
    `requests     ${s.sent} sent, ${s.ok} ok, ${s.errors} errors${kinds ? ` (${kinds})` : ''}${s.skipped ? `, ${s.skipped} skipped (too many in flight)` : ''}`,
    `throughput   ${s.throughput.toFixed(1)} req/s over ${s.elapsedSeconds.toFixed(1)} s`,
    `latency      ${latencyText(s.latencyMs)}`,
    `cold routes  ${s.coldRoutes} (${COLD_SOURCE[s.coldSource]})`,
  ];
  if (s.hosts.length > 0) {
    lines.push('');
    lines.push(
      table([
        ['host', 'requests', 'errors', 'cold routes', 'p50', 'p95', 'p99'],
        ...s.hosts.map((h) => [
          h.host,
          String(h.requests),
          String(h.errors),
          String(h.coldRoutes),
          formatMs(h.latencyMs.p50),
          formatMs(h.latencyMs.p95),
          formatMs(h.latencyMs.p99),
        ]),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
