import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { freePort } from '../../lib/free-port.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import {
  canPin,
  cpuSeconds,
  installCleanupHooks,
  stopAll,
  stopProcess,
  type Tracked,
  waitForPort,
} from '../lib/procs.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import { type GcTotals, gcTotals, parseGcTrace } from './gc-trace.ts';
import { gatewayEnv, SECRET, startNodeScript } from './targets.ts';

/**
 * `npm run bench:gc-probe`: garbage collection per request of a gateway, a count that depends far
 * less on machine load than time does. Each checkout's gateway runs with `--trace-gc-nvp` in front of
 * the overhead backend; after a warm-up, a fixed number of requests at a fixed concurrency; the
 * collections printed in that window are summed. Options: `--checkouts name=dir,name=dir` (default:
 * this checkout as HEAD), `--requests N`, `--warmup N`, `--concurrency C`, `--rounds R`.
 */

const PATH = '/v1/runtimes/bench-runtime';

interface Sample extends GcTotals {
  target: string;
  round: number;
  requests: number;
  cpuSeconds: number;
  errors: number;
}

function startGateway(
  checkout: string,
  port: number,
  backendPort: number,
  traceFile: string,
  cpusList?: string,
) {
  const fd = openSync(traceFile, 'w');
  const args = ['--trace-gc-nvp', 'bin/fleetgate.js', 'gateway'];
  const [file, argv] = cpusList
    ? ['taskset', ['-c', cpusList, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(file, argv, {
    cwd: checkout,
    env: gatewayEnv(port, backendPort),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start the gateway in ${checkout}`);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const tracked: Tracked = {
    name: 'gateway',
    pid: child.pid,
    child,
    output: () => readFileSync(traceFile, 'utf8').slice(-2000),
    exited,
  };
  return tracked;
}

/** Sends `count` GETs keeping `concurrency` in flight over as many keep-alive connections. */
async function drive(pool: Pool, count: number, concurrency: number): Promise<number> {
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const res = await pool.request({
          path: PATH,
          method: 'GET',
          headers: { authorization: `Bearer ${SECRET}` },
        });
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return errors;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  installCleanupHooks();
  const result = startResult('gc-probe', args.quick);
  const requests = numberOption(args, 'requests', args.quick ? 5_000 : 40_000);
  const warmup = numberOption(args, 'warmup', args.quick ? 2_000 : 10_000);
  const concurrency = numberOption(args, 'concurrency', 10);
  const rounds = numberOption(args, 'rounds', args.quick ? 1 : 2);
  const checkouts = (args.extra.get('checkouts') ?? 'HEAD=.').split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--checkouts: expected name=dir, got "${pair}"`);
    return { name: pair.slice(0, at), dir: resolve(pair.slice(at + 1)) };
  });
  const pin = args.pin && canPin(cpus().length);
  const runDir = mkdtempSync(join(tmpdir(), 'fleetgate-gc-probe-'));
  const samples: Sample[] = [];
  try {
    const backendPort = await freePort();
    const backend = startNodeScript(
      'backend',
      'bench/overhead/backend.ts',
      [String(backendPort)],
      pin ? '1' : undefined,
    );
    await waitForPort(backendPort, 20_000, backend);
    for (let r = 1; r <= rounds; r++) {
      for (const { name, dir } of checkouts) {
        const port = await freePort();
        const trace = join(runDir, `${name}-${r}.trace`);
        const gw = startGateway(dir, port, backendPort, trace, pin ? '0' : undefined);
        try {
          await waitForPort(port, 30_000, gw);
          const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
          await drive(pool, warmup, concurrency);
          const offset = statSync(trace).size;
          const c0 = cpuSeconds(gw.pid);
          const errors = await drive(pool, requests, concurrency);
          const c1 = cpuSeconds(gw.pid);
          await pool.close();
          const text = readFileSync(trace, 'utf8').slice(offset);
          const totals = gcTotals(parseGcTrace(text));
          samples.push({ target: name, round: r, requests, cpuSeconds: c1 - c0, errors, ...totals });
          process.stderr.write(
            `[gc-probe] ${name} round ${r}: ${totals.scavenges} scavenges, ${totals.markCompacts} mark-compacts, promoted ${Math.round(totals.promoted / 1024)} KiB, cpu ${(c1 - c0).toFixed(2)} s\n`,
          );
        } finally {
          await stopProcess(gw);
        }
      }
    }
  } finally {
    await stopAll();
    rmSync(runDir, { recursive: true, force: true });
  }

  const per10k = (s: Sample, v: number) => (v * 10_000) / s.requests;
  const names = [...new Set(samples.map((s) => s.target))];
  const med = (n: string, f: (s: Sample) => number) => median(samples.filter((s) => s.target === n).map(f));
  const table: ResultTable = {
    title: `Garbage collection per 10,000 requests: ${requests} GETs at concurrency ${concurrency} after ${warmup} warm-up, ${rounds} round(s), medians`,
    columns: [
      'gateway',
      'scavenges',
      'mark-compacts',
      'promoted KiB',
      'survived KiB',
      'allocated MiB',
      'GC pause ms',
      'CPU µs/req',
      'errors',
      'promoted KiB per 10k, each round',
    ],
    rows: names.map((n) => [
      n,
      round(
        med(n, (s) => per10k(s, s.scavenges)),
        1,
      ),
      round(
        med(n, (s) => per10k(s, s.markCompacts)),
        2,
      ),
      round(
        med(n, (s) => per10k(s, s.promoted) / 1024),
        0,
      ),
      round(
        med(n, (s) => per10k(s, s.survived) / 1024),
        0,
      ),
      round(
        med(n, (s) => per10k(s, s.allocated) / 1048576),
        1,
      ),
      round(
        med(n, (s) => per10k(s, s.pauseMs)),
        1,
      ),
      round(
        med(n, (s) => (s.cpuSeconds * 1e6) / s.requests),
        1,
      ),
      samples.filter((s) => s.target === n).reduce((sum, s) => sum + s.errors, 0),
      samples
        .filter((s) => s.target === n)
        .map((s) => Math.round(per10k(s, s.promoted) / 1024))
        .join(' / '),
    ]),
    notes: [
      "From each gateway's own `--trace-gc-nvp` lines in the measured window: scavenges are `gc=s`/`mmc`, mark-compacts `gc=ms`; promoted, new_space_survived and allocated are V8's per-collection byte counts, summed.",
      'CPU µs/req: utime + stime of the gateway process over the window (/proc, 10 ms ticks), so it moves with machine load; the counts above move much less.',
      pin
        ? 'Pinned: the gateway on CPU 0, the backend and this driver (undici Pool) on CPU 1.'
        : 'Not pinned.',
    ],
  };
  result.finish(args.outDir, [table], [], { requests, warmup, concurrency, rounds, checkouts, samples });
}

main().catch(async (error) => {
  process.stderr.write(`bench:gc-probe failed: ${(error as Error).stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
