import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Dispatcher, Pool } from 'undici';
import { freePort } from '../../lib/free-port.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import {
  installCleanupHooks,
  onPath,
  startProcess,
  stopAll,
  stopProcess,
  waitForPort,
} from '../lib/procs.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import { gatewayEnv, SECRET } from './targets.ts';

/**
 * `npm run bench:instructions`: instructions per forwarded request, counted by valgrind's callgrind,
 * for the Node floor and the Fleetgate gateway (and, with `--old DIR`, a gateway checked out at
 * another commit), each in turn under the same load. Instruction counts do not depend on what else
 * the shared machine is doing, so small differences (a few %) show where CPU time cannot.
 *
 * Per target: start it under callgrind, send `--warmup` requests (the JIT settles), zero the
 * counters, send `--requests` more, dump; instructions ÷ requests. The client runs natively.
 */
const PATH = '/v1/runtimes/bench-runtime';

interface Target {
  name: string;
  /** Command and arguments to run under valgrind, given the listen and backend ports. */
  command(
    port: number,
    backendPort: number,
    runDir: string,
  ): { args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  headers: Record<string, string>;
}

interface Sample {
  target: string;
  round: number;
  requests: number;
  instructions: number;
  perRequest: number;
  /** Instructions of the main (event loop) thread alone, per request. */
  mainPerRequest: number;
}

/**
 * A config file raising the gateway's client header timeout: under valgrind on a busy machine the
 * process can be starved for longer than the default 10 s between two reads of a kept-alive
 * connection, and Node would answer 408. Nothing else differs from the defaults.
 */
function slowClientConfig(runDir: string): string {
  const file = join(runDir, 'gateway.yaml');
  writeFileSync(file, 'gateway:\n  headersTimeout: 600s\n  requestTimeout: 0s\n');
  return file;
}

function gatewayTarget(name: string, dir: string): Target {
  return {
    name,
    command: (port, backendPort, runDir) => ({
      cwd: dir,
      args: [process.execPath, 'bin/fleetgate.js', 'gateway', '--config', slowClientConfig(runDir)],
      env: gatewayEnv(port, backendPort),
    }),
    headers: { authorization: `Bearer ${SECRET}` },
  };
}

const floorTarget: Target = {
  name: 'node floor (node:http + undici)',
  command: (port, backendPort) => ({
    cwd: process.cwd(),
    args: [
      process.execPath,
      '--import',
      'tsx',
      'bench/overhead/node-floor.ts',
      String(port),
      String(backendPort),
    ],
    env: process.env,
  }),
  headers: {},
};

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Sends exactly `n` GET requests (POSTs of `post` when given) over `connections` keep-alive connections. */
async function load(
  pool: Pool,
  n: number,
  connections: number,
  headers: Record<string, string>,
  post: Buffer | undefined,
): Promise<void> {
  const request: Dispatcher.RequestOptions =
    post === undefined
      ? { method: 'GET', path: PATH, headers }
      : {
          method: 'POST',
          path: `${PATH}/executions`,
          headers: { ...headers, 'content-type': 'application/json' },
          body: post,
        };
  let left = n;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      // A kept-alive connection the target closed as idle (slow under valgrind) resets: send again.
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await pool.request(request);
          await r.body.arrayBuffer();
          if (r.statusCode !== 200)
            throw Object.assign(new Error(`status ${r.statusCode}`), { status: r.statusCode });
          break;
        } catch (error) {
          // Under valgrind on a busy machine the gateway can be starved past its 5 s upstream connect
          // timeout (502): send again, as for a reset; any other answer fails the run.
          if ((error as { status?: number }).status === 502 && attempt < 3) continue;
          if ((error as { code?: string }).code !== 'ECONNRESET' || attempt >= 3) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/**
 * Instructions of the dumps written since `before` (one file per thread with --separate-threads):
 * all threads, and the main thread alone (the event loop; the others are GC helpers, the JIT
 * compiler and the module loader's thread, whose share moves with when a GC cycle falls).
 */
function dumpedInstructions(dir: string, before: Set<string>): { total: number; main: number } {
  const fresh = readdirSync(dir).filter((f) => f.startsWith('cg.out') && !before.has(f));
  if (fresh.length === 0) throw new Error('callgrind wrote no dump');
  let total = 0;
  let main = 0;
  for (const f of fresh) {
    const text = readFileSync(join(dir, f), 'utf8');
    const m = /^(?:summary|totals): (\d+)/m.exec(text);
    if (!m) continue;
    total += Number(m[1]);
    if (/^thread: 1$/m.test(text)) main += Number(m[1]);
  }
  return { total, main };
}

async function measure(
  target: Target,
  backendPort: number,
  runDir: string,
  opts: {
    warmup: number;
    requests: number;
    connections: number;
    cpus: string | undefined;
    keep: string | undefined;
    post: Buffer | undefined;
  },
): Promise<{ instructions: number; main: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(runDir, 'cg-'));
  const { args, env, cwd } = target.command(port, backendPort, runDir);
  const vg = [
    '--tool=callgrind',
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
    '--dump-instr=no',
    '--compress-strings=no',
    '--separate-threads=yes',
    // --keep: Node writes /tmp/perf-<pid>.map, which names the JIT-compiled functions of the dumps.
    ...(opts.keep === undefined ? args : [args[0]!, '--perf-basic-prof', ...args.slice(1)]),
  ];
  const proc = startProcess(target.name, 'valgrind', vg, { cpus: opts.cpus, env, cwd });
  try {
    // Starting Node and transpiling the gateway under valgrind takes minutes on a busy machine.
    await waitForPort(port, 1_200_000, proc);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: opts.connections, pipelining: 1 });
    try {
      await load(pool, opts.warmup, opts.connections, target.headers, opts.post);
      execFileSync('callgrind_control', ['-z', String(proc.pid)], { stdio: 'ignore' });
      const before = new Set(readdirSync(dir));
      await load(pool, opts.requests, opts.connections, target.headers, opts.post);
      execFileSync('callgrind_control', ['-d', String(proc.pid)], { stdio: 'ignore' });
      const { total: instructions, main } = dumpedInstructions(dir, before);
      // --keep DIR: keep the dumps for callgrind_annotate (functions by instructions).
      if (opts.keep !== undefined) {
        const kept = join(opts.keep, `${slug(target.name)}-${Date.now()}`);
        cpSync(dir, kept, { recursive: true });
        const map = `/tmp/perf-${proc.pid}.map`;
        if (existsSync(map)) cpSync(map, join(kept, 'perf.map'));
      }
      return { instructions, main };
    } finally {
      await pool.close();
    }
  } finally {
    await stopProcess(proc, 20_000);
    if (opts.keep !== undefined) rmSync(`/tmp/perf-${proc.pid}.map`, { force: true });
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (!onPath('valgrind') || !onPath('callgrind_control'))
    throw new Error('valgrind (callgrind) is not installed');
  installCleanupHooks();
  const result = startResult(args.extra.get('name') ?? 'instructions', args.quick);
  const rounds = numberOption(args, 'rounds', args.quick ? 1 : 2);
  const warmup = numberOption(args, 'warmup', args.quick ? 3000 : 4000);
  const requests = numberOption(args, 'requests', args.quick ? 1000 : 4000);
  const connections = numberOption(args, 'connections', 8);
  // --post BYTES: POST executions with a JSON body of that size (streamed through the gateway).
  const postBytes = args.extra.has('post') ? numberOption(args, 'post', 0) : undefined;
  const post =
    postBytes === undefined
      ? undefined
      : Buffer.from(JSON.stringify({ body: 'x'.repeat(Math.max(0, postBytes - 12)) }));
  // --gateways 'old=/tmp/a;new=/tmp/b': gateways checked out at other commits (each folder with
  // bin/fleetgate.js and node_modules), measured in turn in the same run; default: this checkout.
  const gateways = (args.extra.get('gateways') ?? `Fleetgate=${process.cwd()}`).split(';').filter(Boolean);
  const targets: Target[] = [];
  for (const entry of gateways) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`--gateways: expected NAME=DIR, got "${entry}"`);
    const dir = resolve(entry.slice(eq + 1));
    if (!existsSync(join(dir, 'bin/fleetgate.js')))
      throw new Error(`--gateways ${entry}: no bin/fleetgate.js there`);
    targets.push(gatewayTarget(entry.slice(0, eq), dir));
  }
  // The floor last (--floor false: gateways only; it is the reference of the ratio column).
  if (args.extra.get('floor') !== 'false') targets.push(floorTarget);
  const runDir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-instructions-'));
  const samples: Sample[] = [];
  try {
    const backendPort = await freePort();
    const backend = startProcess('backend', process.execPath, [
      '--import',
      'tsx',
      'bench/overhead/backend.ts',
      String(backendPort),
    ]);
    await waitForPort(backendPort, 20_000, backend);
    for (let r = 1; r <= rounds; r++) {
      for (const target of targets) {
        const { instructions, main } = await measure(target, backendPort, runDir, {
          warmup,
          requests,
          connections,
          cpus: args.pin ? '0' : undefined,
          keep: args.extra.get('keep'),
          post,
        });
        const perRequest = instructions / requests;
        const mainPerRequest = main / requests;
        samples.push({ target: target.name, round: r, requests, instructions, perRequest, mainPerRequest });
        process.stderr.write(
          `[instructions] round ${r} ${target.name}: ${Math.round(perRequest)} instructions/request, main thread ${Math.round(mainPerRequest)}\n`,
        );
      }
    }
  } finally {
    await stopAll();
    rmSync(runDir, { recursive: true, force: true });
  }
  const floor = floorTarget.name;
  const per = (name: string) => samples.filter((s) => s.target === name).map((s) => s.perRequest);
  const mainPer = (name: string) => samples.filter((s) => s.target === name).map((s) => s.mainPerRequest);
  const names = [...new Set(samples.map((s) => s.target))];
  const table: ResultTable = {
    title: `Instructions per request under callgrind: ${warmup} warm-up then ${requests} measured ${post === undefined ? 'GET' : `POST (${post.length}-byte body)`} requests over ${connections} keep-alive connection(s), ${rounds} round(s)`,
    columns: [
      'target',
      'all threads /request (median)',
      'rounds',
      '÷ node floor',
      'main thread /request (median)',
      'rounds',
      '÷ node floor',
    ],
    rows: names.map((n) => [
      n,
      round(median(per(n)), 0),
      per(n)
        .map((v) => Math.round(v))
        .join(', '),
      n === floor ? null : round(median(per(n)) / median(per(floor)), 3),
      round(median(mainPer(n)), 0),
      mainPer(n)
        .map((v) => Math.round(v))
        .join(', '),
      n === floor ? null : round(median(mainPer(n)) / median(mainPer(floor)), 3),
    ]),
    notes: [
      'Counted by valgrind --tool=callgrind (--separate-threads) over the whole target process, from zeroed counters after the warm-up to a dump after the measured requests. "All threads" adds the helper threads (concurrent marking and sweeping of the GC, the optimising compiler, the module loader); "main thread" is the event loop alone (requests, scavenges, the GC work done there).',
      "Instruction counts do not move with the load of the shared machine as time does, but they are not exact: the helper threads' share depends on whether a major GC cycle falls in the measured window, and with several connections on how many requests each wake-up of the event loop finds (one connection makes that the same every time). They are not time either (no cache misses, no wake-ups), but a change that removes work shows here first.",
    ],
  };
  result.finish(args.outDir, [table], [], {
    warmup,
    requests,
    connections,
    rounds,
    postBytes: post?.length,
    samples,
  });
}

main().catch(async (error) => {
  process.stderr.write(`bench:instructions failed: ${(error as Error).stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
