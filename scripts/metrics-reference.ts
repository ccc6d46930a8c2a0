// Prints metrics/REFERENCE.md generated from the metric tables (metrics/catalogue.ts). `--write`
// rewrites the file; `--check` exits 1 when it is out of date. Run: npx tsx scripts/metrics-reference.ts --write
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultProcessMetrics } from '../metrics/catalogue.ts';
import { renderMetricsReference } from '../metrics/reference.ts';

const path = fileURLToPath(new URL('../metrics/REFERENCE.md', import.meta.url));
const mode = process.argv[2];
const text = renderMetricsReference(await defaultProcessMetrics());

if (mode === '--write' || mode === '--check') {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing: out of date
  }
  if (mode === '--check') {
    if (current !== text) {
      process.stderr.write(
        'metrics/REFERENCE.md is out of date: npx tsx scripts/metrics-reference.ts --write\n',
      );
      process.exitCode = 1;
    }
  } else if (current !== text) {
    writeFileSync(path, text);
    process.stdout.write('metrics/REFERENCE.md updated\n');
  } else {
    process.stdout.write('metrics/REFERENCE.md already up to date\n');
  }
} else if (mode === undefined) {
  process.stdout.write(text);
} else {
  process.stderr.write('usage: npx tsx scripts/metrics-reference.ts [--write | --check]\n');
  process.exitCode = 2;
}
