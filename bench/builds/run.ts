// Builds in the local executor (`npm run bench:builds`, ≈ 1 min):
//
// 1. A built function: one build whose step installs a dependency from a local npm tarball (no
//    network), then the cold start (create from the built package) and warm executions at
//    concurrency 1, next to the same numbers for a plain function folder in the same run (the peer).
// 2. A burst of 50 trivial builds (`echo` + packaging) against executors with 1, 2 and 4 build
//    workers: throughput and queue wait, next to the same 50 jobs run bare (bash + tar, no executor)
//    with the same parallelism.
//
// Executors run as their own processes (`fleetgate executor`); client and executor share the machine.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  REPO_ROOT,
  startExecutors,
} from '../../test/support/executors.ts';
import { type BenchResult, machineInfo, markdownReport, writeResults } from '../lib/results.ts';
import { median, quantile, round } from '../lib/stats.ts';

const { values } = parseArgs({
  options: {
    builds: { type: 'string', default: '50' },
    colds: { type: 'string', default: '10' },
    execs: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const BURST = Number(values.builds);
const COLDS = Number(values.colds);
const EXECS = Number(values.execs);
const ROUNDS = Number(values.rounds);
// The last: as many workers as builds, i.e. no queue (the real executor runs every build at once).
const WORKERS = [1, 2, 4, BURST];
const TRIVIAL = 'echo started && echo built > built.txt';

/** The folder every `source` and `destination` of the run lives in (the executors' source root). */
function prepare(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-bench-builds-')));
  mkdirSync(join(root, 'dep/package'), { recursive: true });
  writeFileSync(
    join(root, 'dep/package/package.json'),
    JSON.stringify({ name: 'greeter', version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(join(root, 'dep/package/index.js'), "module.exports = (n) => 'Greetings, ' + n;\n");
  mkdirSync(join(root, 'fn'));
  execFileSync('tar', ['-czf', join(root, 'fn/greeter-1.0.0.tgz'), '-C', join(root, 'dep'), 'package']);
  writeFileSync(
    join(root, 'fn/package.json'),
    JSON.stringify({ name: 'fn', version: '1.0.0', private: true }),
  );
  writeFileSync(
    join(root, 'fn/index.mjs'),
    "import greet from 'greeter';\nexport default async (context) => context.res.json({ message: greet('bench') });\n",
  );
  execFileSync('tar', ['-czf', join(root, 'fn.tar.gz'), '-C', join(root, 'fn'), '.']);
  cpSync(join(REPO_ROOT, HELLO_SOURCE), join(root, 'hello'), { recursive: true });
  mkdirSync(join(root, 'trivial'));
  writeFileSync(
    join(root, 'trivial/index.mjs'),
    'export default async (context) => context.res.text("ok");\n',
  );
  return root;
}

function run(cmd: string, args: string[], cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
}

const ms = (v: number) => round(v, 1);
const p = (xs: number[], q: number) => (xs.length === 0 ? Number.NaN : quantile(xs, q));

interface BuiltFunction {
  buildMs: number;
  cold: { builtMs: number[]; plainMs: number[] };
  warm: { builtMs: number[]; plainMs: number[] };
}

async function builtFunction(root: string): Promise<BuiltFunction> {
  const fleet = await startExecutors(1, { sourceRoot: root, args: ['--log-level', 'warn'] });
  const { url } = fleet.hosts[0]!;
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(url, fleet.secret, method, path, body);
  try {
    const t0 = performance.now();
    const built = await call('POST', '/v1/runtimes', {
      runtimeId: 'build-fn',
      image: NODE_IMAGE,
      source: 'fn.tar.gz',
      entrypoint: 'index.mjs',
      command: 'npm install ./greeter-1.0.0.tgz --offline --no-audit --no-fund',
      destination: 'builds',
      remove: true,
    });
    const buildMs = performance.now() - t0;
    if (built.status !== 201) throw new Error(`build failed: ${built.text}`);
    const functions = {
      built: { image: NODE_IMAGE, source: built.json.path as string, entrypoint: 'index.mjs' },
      plain: { image: NODE_IMAGE, source: 'hello', entrypoint: HELLO_ENTRYPOINT },
    };
    const cold = { builtMs: [] as number[], plainMs: [] as number[] };
    const warm = { builtMs: [] as number[], plainMs: [] as number[] };
    for (let i = 0; i < COLDS; i++) {
      // Alternated, so a load spike on the machine hits both alike.
      for (const kind of ['built', 'plain'] as const) {
        const t = performance.now();
        const res = await call('POST', '/v1/runtimes', {
          runtimeId: `cold-${kind}-${i}`,
          ...functions[kind],
        });
        cold[`${kind}Ms`].push(performance.now() - t);
        if (res.status !== 201) throw new Error(`create ${kind} failed: ${res.text}`);
        await call('DELETE', `/v1/runtimes/cold-${kind}-${i}`);
      }
    }
    for (const kind of ['built', 'plain'] as const) {
      await call('POST', '/v1/runtimes', { runtimeId: `warm-${kind}`, ...functions[kind] });
    }
    for (let i = 0; i < EXECS; i++) {
      for (const kind of ['built', 'plain'] as const) {
        const t = performance.now();
        const res = await call('POST', `/v1/runtimes/warm-${kind}/executions`, { path: '/' });
        warm[`${kind}Ms`].push(performance.now() - t);
        if (res.status !== 200 || res.json.statusCode !== 200)
          throw new Error(`execution failed: ${res.text}`);
      }
    }
    return { buildMs, cold, warm };
  } finally {
    await fleet.stop();
  }
}

interface Burst {
  workers: number;
  load: number;
  wallMs: number;
  latencyMs: number[];
  /** Per build: first output line's time minus the create's startTime (also mirroring, starting bash). */
  waitMs: number[];
  /** From the executor's histogram: exact sum / count. */
  histogramMeanWaitMs: number;
  bareWallMs: number;
  /** Warm executions of another function, one after another: before the burst and during it. */
  probeIdleMs: number[];
  probeBurstMs: number[];
}

async function burst(root: string, workers: number): Promise<Burst> {
  const fleet = await startExecutors(1, {
    sourceRoot: root,
    args: ['--log-level', 'warn', '--build-workers', String(workers), '--build-queue', String(BURST)],
  });
  const { url } = fleet.hosts[0]!;
  const create = (id: string) =>
    callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: id,
      image: NODE_IMAGE,
      source: 'trivial',
      command: TRIVIAL,
      destination: `out-${workers}`,
      remove: true,
    });
  const probe = async () => {
    const t = performance.now();
    const res = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes/probe/executions', {});
    if (res.status !== 200 || res.json.statusCode !== 200) throw new Error(`probe failed: ${res.text}`);
    return performance.now() - t;
  };
  try {
    for (let i = 0; i < 3; i++) await create(`warmup-${i}`);
    await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'probe',
      image: NODE_IMAGE,
      source: 'trivial',
      entrypoint: 'index.mjs',
    });
    const probeIdleMs: number[] = [];
    for (let i = 0; i < 50; i++) probeIdleMs.push(await probe());
    const sendBurst = (tag: string) =>
      Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          const t = performance.now();
          const res = await create(`${tag}-${i}`);
          if (res.status !== 201) throw new Error(`build failed: ${res.text}`);
          const first = Date.parse(res.json.output[0].timestamp);
          return { latency: performance.now() - t, wait: first - res.json.startTime * 1000 };
        }),
      );
    // First burst: throughput and queue wait, nothing else running.
    const metricsBefore = await waitHistogram(url, fleet.secret);
    const load = loadavg()[0] ?? 0;
    const t0 = performance.now();
    const results = await sendBurst('burst');
    const wallMs = performance.now() - t0;
    const metricsAfter = await waitHistogram(url, fleet.secret);
    const histogramMeanWaitMs =
      ((metricsAfter.sum - metricsBefore.sum) / (metricsAfter.count - metricsBefore.count)) * 1000;
    // Second burst: executions of another function, one after another, while it runs.
    let bursting = true;
    const probeBurstMs: number[] = [];
    const prober = (async () => {
      while (bursting) probeBurstMs.push(await probe());
    })();
    await sendBurst('probed');
    bursting = false;
    await prober;
    const bareWallMs = await bare(root, workers);
    return {
      workers,
      load,
      wallMs,
      latencyMs: results.map((r) => r.latency),
      waitMs: results.map((r) => Math.max(0, r.wait)),
      histogramMeanWaitMs,
      bareWallMs,
      probeIdleMs,
      probeBurstMs,
    };
  } finally {
    await fleet.stop();
  }
}

/** One worker count's rounds together: throughputs as medians of the rounds, samples pooled. */
function pool(rounds: Burst[]) {
  const perSecond = (ms: number) => (BURST / ms) * 1000;
  return {
    workers: rounds[0]!.workers,
    load: median(rounds.map((b) => b.load)),
    buildsPerSecond: median(rounds.map((b) => perSecond(b.wallMs))),
    bareBuildsPerSecond: median(rounds.map((b) => perSecond(b.bareWallMs))),
    ratio: median(rounds.map((b) => b.bareWallMs / b.wallMs)),
    latencyMs: rounds.flatMap((b) => b.latencyMs),
    waitMs: rounds.flatMap((b) => b.waitMs),
    histogramMeanWaitMs: median(rounds.map((b) => b.histogramMeanWaitMs)),
    probeIdleMs: rounds.flatMap((b) => b.probeIdleMs),
    probeBurstMs: rounds.flatMap((b) => b.probeBurstMs),
  };
}

async function waitHistogram(url: string, secret: string): Promise<{ sum: number; count: number }> {
  const text = (await callExecutor(url, secret, 'GET', '/metrics')).text;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    sum: value('fleetgate_executor_build_queue_wait_seconds_sum'),
    count: value('fleetgate_executor_build_queue_wait_seconds_count'),
  };
}

/** The peer: the same 50 jobs (copy the source, the command, tar -cz) with `workers` at a time, no executor. */
async function bare(root: string, workers: number): Promise<number> {
  const dir = join(root, `bare-${workers}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < BURST; i = next++) {
        const code = join(dir, `b${i}`);
        cpSync(join(root, 'trivial'), code, { recursive: true });
        if ((await run('bash', ['-c', TRIVIAL], code)) !== 0) throw new Error('bare build failed');
        if ((await run('tar', ['-czf', `${code}.tar.gz`, '-C', code, '.'])) !== 0)
          throw new Error('bare tar failed');
      }
    }),
  );
  const wall = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return wall;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const machine = machineInfo();
  const root = prepare();
  try {
    const fn = await builtFunction(root);
    // Rounds over every worker count in turn, so a load change on the shared machine hits all alike.
    const runs: Burst[] = [];
    for (let r = 0; r < ROUNDS; r++) for (const w of WORKERS) runs.push(await burst(root, w));
    const bursts = WORKERS.map((w) => pool(runs.filter((b) => b.workers === w)));
    const result: BenchResult = {
      benchmark: 'builds',
      command: 'npm run bench:builds',
      quick: false,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      machine,
      tables: [
        {
          title: `A built function (build: npm install of a local tarball, ${ms(fn.buildMs)} ms) next to a plain function folder`,
          columns: [
            '',
            'built package p50 ms',
            'p95 ms',
            'plain folder p50 ms',
            'p95 ms',
            'built / plain (p50)',
          ],
          rows: [
            [
              `cold start (create, ${COLDS} each)`,
              ms(median(fn.cold.builtMs)),
              ms(p(fn.cold.builtMs, 0.95)),
              ms(median(fn.cold.plainMs)),
              ms(p(fn.cold.plainMs, 0.95)),
              round(median(fn.cold.builtMs) / median(fn.cold.plainMs), 2),
            ],
            [
              `warm execution (concurrency 1, ${EXECS} each)`,
              round(median(fn.warm.builtMs), 2),
              round(p(fn.warm.builtMs, 0.95), 2),
              round(median(fn.warm.plainMs), 2),
              round(p(fn.warm.plainMs, 0.95), 2),
              round(median(fn.warm.builtMs) / median(fn.warm.plainMs), 2),
            ],
          ],
          notes: [
            'Client wall time of POST /v1/runtimes (cold) and POST …/executions (warm), one new connection per call.',
            'The built package is a .tar.gz the executor extracts at each cold start; the plain function is a folder used in place.',
          ],
        },
        {
          title: `A burst of ${BURST} trivial builds (\`${TRIVIAL}\`, then packaging), sent at once; ${ROUNDS} rounds`,
          columns: [
            'build workers',
            'load avg',
            'builds/s',
            'queue wait p50 ms',
            'queue wait p95 ms',
            'histogram mean wait ms',
            'create latency p95 ms',
            'bare builds/s',
            'executor / bare throughput',
          ],
          rows: bursts.map((b) => [
            b.workers === BURST ? `${b.workers} (no queue)` : b.workers,
            round(b.load, 1),
            round(b.buildsPerSecond, 1),
            ms(median(b.waitMs)),
            ms(p(b.waitMs, 0.95)),
            ms(b.histogramMeanWaitMs),
            ms(p(b.latencyMs, 0.95)),
            round(b.bareBuildsPerSecond, 1),
            round(b.ratio, 2),
          ]),
          notes: [
            'builds/s, bare builds/s, the ratio, load avg and the histogram mean: medians of the rounds; latencies and waits: all rounds pooled.',
            "queue wait per build = the timestamp of the build's first output line minus the create's startTime: the queue plus mirroring the source and starting bash, so an upper bound of the queue wait.",
            "histogram mean wait = the executor's fleetgate_executor_build_queue_wait_seconds (sum / count) over the burst: the queue alone.",
            'bare = the same copy, bash -c and tar -cz, run by this process with the same parallelism and no executor.',
          ],
        },
        {
          title: `Warm executions of another function on the same executor, one after another, idle and during the burst of ${BURST} builds`,
          columns: [
            'build workers',
            'idle p50 ms',
            'idle p95 ms',
            'during burst p50 ms',
            'during burst p95 ms',
            'executions during bursts',
            'burst / idle (p50)',
          ],
          rows: bursts.map((b) => [
            b.workers === BURST ? `${b.workers} (no queue)` : b.workers,
            round(median(b.probeIdleMs), 2),
            round(p(b.probeIdleMs, 0.95), 2),
            round(median(b.probeBurstMs), 2),
            round(p(b.probeBurstMs, 0.95), 2),
            b.probeBurstMs.length,
            round(median(b.probeBurstMs) / median(b.probeIdleMs), 2),
          ]),
          notes: [
            'A second burst of the same builds (the first one measured throughput alone): 50 executions before it, then as many as fit until its last build answered.',
          ],
        },
      ],
      notes: ['Client, executors and runtimes share a 2-core machine with other work.'],
      data: { builtFunction: fn, bursts: runs },
    };
    const paths = writeResults(values.out!, 'builds', result);
    process.stdout.write(`${markdownReport(result)}\nwrote ${paths.json} and ${paths.md}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
