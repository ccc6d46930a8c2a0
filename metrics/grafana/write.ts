// Writes the Grafana dashboards (metrics/grafana/dashboards/*.json) generated from
// metrics/grafana/dashboards.ts. `--check` exits 1 when a shipped file differs.
// Run: npx tsx metrics/grafana/write.ts [--check]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from './build.ts';
import { DASHBOARDS } from './dashboards.ts';

/** The JSON text of a shipped dashboard file. */
export function dashboardText(file: string): string {
  const spec = DASHBOARDS[file];
  if (!spec) throw new Error(`no dashboard ${file}`);
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`;
}

const dir = fileURLToPath(new URL('./dashboards/', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv[2] === '--check';
  mkdirSync(dir, { recursive: true });
  let stale = 0;
  for (const file of Object.keys(DASHBOARDS)) {
    const text = dashboardText(file);
    let current = '';
    try {
      current = readFileSync(dir + file, 'utf8');
    } catch {
      // missing
    }
    if (current === text) continue;
    stale++;
    if (check) process.stderr.write(`metrics/grafana/dashboards/${file} is out of date\n`);
    else {
      writeFileSync(dir + file, text);
      process.stdout.write(`metrics/grafana/dashboards/${file} written\n`);
    }
  }
  if (check && stale > 0) process.exitCode = 1;
}
