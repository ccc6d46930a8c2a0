// `npm run build`: compiles the TypeScript of the installed package into dist/ (tsc with
// tsconfig.build.json) and copies beside it the files the code reads next to itself (Lua scripts,
// the runtime servers, example policies, the load function, dashboards…), so dist/ runs with node
// alone. Run by `npm pack`/`npm publish` (prepack), by npm for installs from git, and by the image.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
/** Test inputs and documentation stay out of the package. */
const SKIP = [/\.ts$/, /\.md$/, /(^|\/)(testdata|tests)(\/|$)/];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

let copied = 0;
for (const folder of config.include) {
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name));
    if (SKIP.some((rule) => rule.test(path))) continue;
    cpSync(join(root, path), join(dist, path));
    copied++;
  }
}
process.stdout.write(`dist/: compiled ${config.include.join(', ')}; ${copied} other files copied\n`);
