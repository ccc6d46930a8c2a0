import { spawn } from 'node:child_process';
import { parseBenchArgs } from './lib/args.ts';

/** The benchmarks `bench:smoke` runs, each with `--quick`. */
export const SMOKE_BENCHMARKS = ['ring', 'overhead', 'routing'] as const;

/** Hard limit per quick benchmark; each normally takes 5–40 s. */
const LIMIT_MS = 120_000;

function runQuick(name: string, outDir: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', `bench/${name}/run.ts`, '--quick', '--out', outDir],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const timer = setTimeout(() => {
      process.stderr.write(`[smoke] ${name} exceeded ${LIMIT_MS / 1000} s: SIGTERM to pid ${child.pid}\n`);
      child.kill('SIGTERM');
    }, LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/**
 * `npm run bench:smoke`: every benchmark in `--quick` mode, one after the other, results in
 * `.tmp/bench-smoke/` (so the committed full results in bench/results stay untouched).
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const outDir = args.outDir === 'bench/results' ? '.tmp/bench-smoke' : args.outDir;
  const only = args.extra.get('only')?.split(',');
  let failed = 0;
  for (const name of SMOKE_BENCHMARKS.filter((n) => !only || only.includes(n))) {
    const started = Date.now();
    const code = await runQuick(name, outDir);
    process.stderr.write(`[smoke] ${name}: exit ${code} in ${Math.round((Date.now() - started) / 1000)} s\n`);
    if (code !== 0) failed++;
  }
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`bench:smoke failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
