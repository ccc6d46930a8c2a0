// Prints the configuration reference table generated from config/schema (field, type, default,
// environment variable, meaning). `--write` rewrites README.md between the config-reference markers;
// `--check` exits 1 when README.md is out of date. Run: npx tsx scripts/config-reference.ts --write
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReference, replaceReference } from '../config/reference.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const mode = process.argv[2];

if (mode === '--write' || mode === '--check') {
  const readme = readFileSync(readmePath, 'utf8');
  const updated = replaceReference(readme);
  if (mode === '--check') {
    if (updated !== readme) {
      process.stderr.write(
        'README.md configuration reference is out of date: npx tsx scripts/config-reference.ts --write\n',
      );
      process.exitCode = 1;
    }
  } else if (updated !== readme) {
    writeFileSync(readmePath, updated);
    process.stdout.write('README.md: configuration reference updated\n');
  } else {
    process.stdout.write('README.md: configuration reference already up to date\n');
  }
} else if (mode === undefined) {
  process.stdout.write(renderReference());
} else {
  process.stderr.write('usage: npx tsx scripts/config-reference.ts [--write | --check]\n');
  process.exitCode = 2;
}
