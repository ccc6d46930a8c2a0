// Rewrites (`--write`) or checks (`--check`, exit 1 when out of date) every generated block of the
// documentation (scripts/generated-docs.ts): the README's configuration reference, the policy
// reference and scenario table of docs/scaling-policy.md, the peer configurations of
// docs/benchmarks.md. Run: npm run docs:write (which also rewrites metrics/REFERENCE.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceBlock } from '../lib/markdown.ts';
import { GENERATED_BLOCKS } from './generated-docs.ts';

const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  process.stderr.write('usage: npx tsx scripts/docs.ts --write | --check\n');
  process.exitCode = 2;
} else {
  const stale: string[] = [];
  for (const file of new Set(GENERATED_BLOCKS.map((b) => b.file))) {
    const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
    const text = readFileSync(path, 'utf8');
    let updated = text;
    for (const b of GENERATED_BLOCKS.filter((x) => x.file === file)) {
      updated = replaceBlock(updated, b.block, b.render(), file);
    }
    if (updated === text) continue;
    stale.push(file);
    if (mode === '--write') writeFileSync(path, updated);
  }
  if (mode === '--check' && stale.length > 0) {
    process.stderr.write(`out of date: ${stale.join(', ')} (run npm run docs:write)\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(stale.length > 0 ? `updated: ${stale.join(', ')}\n` : 'generated docs up to date\n');
  }
}
