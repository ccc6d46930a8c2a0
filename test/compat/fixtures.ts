import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The build suite's function sources, written to a fresh folder (the executors' source root) so
 * builds and their packages stay out of the repository. Nothing needs the network: the Node
 * function's dependency is a local npm tarball. Returns the folder.
 *
 * - `node/`: a Node function (`index.mjs`) depending on `greeter` (`file:greeter-1.0.0.tgz`), with an
 *   `npm run build` that prints an orange line, ten `Step: N` lines and a red line.
 * - `static/`: a site whose `build.sh` copies `src/index.html` to `dist/`.
 * - `build-logs/`: scripts printing `First log`, about 7 × 128 KiB (or, `_large`, 2 MiB) of lines and
 *   `Last log`, ending with 0 (`logs_success*`) or 1 (`logs_failure*`).
 * - `zip/`: the Node function without dependencies, as one `code.zip`.
 * - `plain/`: a function folder that needs no build, for the commands route.
 */
export function writeBuildFunctions(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-compat-builds-')));
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const hello = [
    'export default async (context) => {',
    "  let greeting = 'Hello Open Runtimes 👋';",
    "  try { greeting = (await import('greeter')).default(greeting); } catch {}",
    '  return context.res.json({ message: greeting });',
    '};',
    '',
  ].join('\n');

  write('dep/package/package.json', JSON.stringify({ name: 'greeter', version: '1.0.0', main: 'index.js' }));
  write('dep/package/index.js', 'module.exports = (text) => text;\n');
  mkdirSync(join(root, 'node'));
  execFileSync('tar', ['-czf', join(root, 'node/greeter-1.0.0.tgz'), '-C', join(root, 'dep'), 'package']);
  write(
    'node/package.json',
    JSON.stringify({
      name: 'code',
      version: '1.0.0',
      private: true,
      scripts: {
        build:
          'printf "\\033[33mOrange message\\033[0m\\n" && node build.js && printf "\\033[31mRed message\\033[0m\\n"',
      },
      dependencies: { greeter: 'file:greeter-1.0.0.tgz' },
    }),
  );
  write(
    'node/build.js',
    [
      'let i = 0;',
      'const timer = setInterval(() => {',
      '  i++;',
      "  console.log('Step: ' + i);",
      '  if (i >= 10) clearInterval(timer);',
      '}, 100);',
      '',
    ].join('\n'),
  );
  write('node/index.mjs', hello);

  write('static/src/index.html', '<h1>Hello Open Runtimes</h1>\n');
  write('static/build.sh', 'mkdir -p dist && cp src/index.html dist/index.html\n');

  // 7 × 128 KiB and 2 MiB of 1 KiB lines between the first and the last line.
  const line = 'x'.repeat(1023);
  const logs = (kib: number, code: number) =>
    `set -e\necho "First log"\nfor i in $(seq 1 ${kib}); do echo "${line}"; done\necho "Last log"\nexit ${code}\n`;
  write('build-logs/logs_success.sh', logs(7 * 128 + 16, 0));
  write('build-logs/logs_failure.sh', logs(7 * 128 + 16, 1));
  write('build-logs/logs_success_large.sh', logs(2048, 0));
  write('build-logs/logs_failure_large.sh', logs(2048, 1));

  write('zip-src/index.mjs', hello);
  mkdirSync(join(root, 'zip'));
  execFileSync('zip', ['-q', '-r', join(root, 'zip/code.zip'), '.'], { cwd: join(root, 'zip-src') });

  write('plain/index.mjs', hello);
  return root;
}
