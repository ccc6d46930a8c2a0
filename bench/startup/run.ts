import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, quantile, round } from '../lib/stats.ts';
import { timeCommand, timeToHealthy, type Variant } from './measure.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'bench-startup-secret';

/**
 * `npm run bench:startup`: process start of `fleetgate` compiled (`node dist/cli/entry.js`, what the
 * installed package and the image run) against TypeScript through tsx (`node bin/fleetgate.js` in a
 * checkout), next to a bare `node -e 0`. Rounds alternate the variants so both see the same noise.
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const result = startResult('startup', args.quick);
  const rounds = numberOption(args, 'rounds', args.quick ? 3 : 15);
  process.stderr.write('[startup] npm run build\n');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const variants: Variant[] = [
    { name: 'tsx', entry: `${ROOT}bin/fleetgate.js` },
    { name: 'compiled', entry: `${ROOT}dist/cli/entry.js` },
  ];
  const env = { ...process.env, FLEETGATE_LOG_LEVEL: 'warn' };
  const cases: { name: string; run: (v: Variant) => Promise<number> }[] = [
    { name: 'fleetgate --version', run: async (v) => timeCommand([v.entry, '--version']) },
    { name: 'fleetgate gateway --help', run: async (v) => timeCommand([v.entry, 'gateway', '--help']) },
    {
      name: 'fleetgate gateway → first 200 of /healthz',
      run: (v) =>
        timeToHealthy(v.entry, (p) => ['gateway', '--host', '127.0.0.1', '--port', String(p)], '/healthz', {
          ...env,
          FLEETGATE_GATEWAY_SECRET: SECRET,
          FLEETGATE_GATEWAY_EXECUTOR_SECRET: SECRET,
          OPR_PROXY_EXECUTORS: '127.0.0.1:9',
        }),
    },
    {
      name: 'fleetgate executor → first 200 of /v1/health',
      run: (v) =>
        timeToHealthy(
          v.entry,
          (p) => ['executor', '--bind', '127.0.0.1', '--port', String(p)],
          '/v1/health',
          { ...env, OPR_EXECUTOR_SECRET: SECRET },
          { authorization: `Bearer ${SECRET}` },
        ),
    },
  ];

  const floor: number[] = [];
  const samples = new Map<string, number[]>();
  for (let round_ = 0; round_ < rounds; round_++) {
    floor.push(timeCommand(['-e', '0']));
    for (const c of cases) {
      // Alternate which variant goes first, so neither always runs on a warmer page cache.
      const order = round_ % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const key = `${c.name}|${v.name}`;
        samples.set(key, [...(samples.get(key) ?? []), await c.run(v)]);
      }
    }
    process.stderr.write(`[startup] round ${round_ + 1}/${rounds}\n`);
  }

  const ms = (v: number) => round(v, 0);
  const rows = cases.map((c) => {
    const tsx = samples.get(`${c.name}|tsx`)!;
    const compiled = samples.get(`${c.name}|compiled`)!;
    const ratios = tsx.map((t, i) => t / compiled[i]!);
    return [
      c.name,
      ms(median(tsx)),
      ms(quantile(tsx, 0.95)),
      ms(median(compiled)),
      ms(quantile(compiled, 0.95)),
      round(median(ratios), 2),
    ];
  });
  rows.push(['node -e 0 (floor)', null, null, ms(median(floor)), ms(quantile(floor, 0.95)), null]);
  const table: ResultTable = {
    title: `Process start, ${rounds} alternating rounds (ms)`,
    columns: [
      'what',
      'tsx p50',
      'tsx p95',
      'compiled p50',
      'compiled p95',
      'tsx ÷ compiled (median of rounds)',
    ],
    rows,
  };
  result.finish(
    args.outDir,
    [table],
    [
      'tsx: `node bin/fleetgate.js` in a checkout (TypeScript compiled in process by tsx on every start).',
      'compiled: `node dist/cli/entry.js` after `npm run build`, what the installed package and the image run.',
      'Server rows: spawn → first 200 (polled every 5 ms), then SIGTERM.',
    ],
    Object.fromEntries(samples),
  );
}

await main();
