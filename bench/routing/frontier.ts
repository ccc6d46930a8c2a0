import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { keepWarmRows } from './keep-warm.ts';
import { type KeepWarmRun, writeFrontiers } from './keep-warm-report.ts';

/**
 * `npx tsx bench/routing/frontier.ts bench/results/routing-keep-warm.json`: redraws the cold-start vs
 * memory frontiers of a bench:routing-keep-warm results file next to it (both delay measures).
 */
function main(): void {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error('usage: frontier.ts RESULTS.json');
  const { data } = JSON.parse(readFileSync(file, 'utf8')) as {
    data: { speedup: number; workloads: { name: string }[]; runs: KeepWarmRun[] };
  };
  const rows = keepWarmRows(data.speedup);
  for (const w of data.workloads) {
    const files = writeFrontiers(dirname(file), w.name, data.runs, rows);
    process.stdout.write(`${w.name}: ${files.join(', ') || 'no points (no fixed 10-minute row?)'}\n`);
  }
}

if (process.argv[1]?.endsWith('frontier.ts')) main();
