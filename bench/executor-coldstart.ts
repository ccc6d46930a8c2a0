// Measures the local executor: cold start of a process runtime (median of N creates) and
// executions per second against one warm runtime (wrk, POST with a JSON body).
//
//   node --import tsx bench/executor-coldstart.ts [--runs 20] [--seconds 10] [--connections 16] [--rounds 3]
//
// The machine is shared and noisy, so the whole measurement is repeated `--rounds` times: one row
// per round, with the load average when the round started.
//
// The executor runs as its own process (`fleetgate executor`), as in production; the client is
// this process (cold starts) and wrk (throughput), on the same machine.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  startExecutors,
} from '../test/support/executors.ts';
import { type BenchResult, machineInfo, markdownReport, writeResults } from './lib/results.ts';
import { median, quantile, round } from './lib/stats.ts';
import { parseWrk, type WrkResult } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

const HELLO = { image: NODE_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };

async function wrkPost(url: string, secret: string, body: string): Promise<WrkResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetgate-bench-'));
  const script = join(dir, 'post.lua');
  await writeFile(
    script,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(body)}`,
      'wrk.headers["Content-Type"] = "application/json"',
      'wrk.headers["Accept"] = "application/json"',
      `wrk.headers["Authorization"] = "Bearer ${secret}"`,
    ].join('\n'),
  );
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    script,
    url,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  await rm(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`wrk exited with ${code}`);
  return parseWrk(out);
}

interface Round {
  load: number;
  cold: { createMedianMs: number; createP90Ms: number; serverMedianMs: number; firstExecMedianMs: number };
  warm: WrkResult;
  sim: WrkResult;
  samples: { createMs: number[]; serverMs: number[]; firstExecMs: number[] };
}

async function measureRound(
  round: number,
  processUrl: string,
  simUrl: string,
  secret: string,
): Promise<Round> {
  const load = loadavg()[0] ?? 0;
  const createMs: number[] = [];
  const serverMs: number[] = [];
  const firstExecMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const id = `r${round}-${i}`;
    const t0 = performance.now();
    const res = await callExecutor(processUrl, secret, 'POST', '/v1/runtimes', {
      runtimeId: `cold-${id}`,
      ...HELLO,
    });
    createMs.push(performance.now() - t0);
    if (res.status !== 201) throw new Error(`create failed: ${res.text}`);
    serverMs.push(res.json.duration * 1000);
    await callExecutor(processUrl, secret, 'DELETE', `/v1/runtimes/cold-${id}`);
    const t1 = performance.now();
    const exec = await callExecutor(processUrl, secret, 'POST', `/v1/runtimes/first-${id}/executions`, HELLO);
    firstExecMs.push(performance.now() - t1);
    if (exec.status !== 200) throw new Error(`execution failed: ${exec.text}`);
    await callExecutor(processUrl, secret, 'DELETE', `/v1/runtimes/first-${id}`);
  }
  const warm = await wrkPost(
    `${processUrl}/v1/runtimes/warm/executions`,
    secret,
    JSON.stringify({ path: '/' }),
  );
  const sim = await wrkPost(`${simUrl}/v1/runtimes/sim/executions`, secret, '{}');
  return {
    load,
    cold: {
      createMedianMs: median(createMs),
      createP90Ms: quantile(createMs, 0.9),
      serverMedianMs: median(serverMs),
      firstExecMedianMs: median(firstExecMs),
    },
    warm,
    sim,
    samples: { createMs, serverMs, firstExecMs },
  };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const machine = machineInfo();
  const processFleet = await startExecutors(1, { mode: 'process', args: ['--log-level', 'warn'] });
  const simFleet = await startExecutors(1, {
    mode: 'simulated',
    args: ['--log-level', 'warn', '--sim-execution', '0', '--sim-concurrency', '1000'],
  });
  try {
    const processUrl = processFleet.hosts[0]!.url;
    const simUrl = simFleet.hosts[0]!.url;
    const secret = processFleet.secret;
    // Warm the executor itself (JIT, module cache) once before measuring.
    await callExecutor(processUrl, secret, 'POST', '/v1/runtimes', { runtimeId: 'warmup', ...HELLO });
    await callExecutor(processUrl, secret, 'DELETE', '/v1/runtimes/warmup');
    await callExecutor(processUrl, secret, 'POST', '/v1/runtimes', { runtimeId: 'warm', ...HELLO });
    await callExecutor(simUrl, secret, 'POST', '/v1/runtimes', { runtimeId: 'sim', image: 'sim' });
    const results: Round[] = [];
    for (let r = 0; r < rounds; r++) results.push(await measureRound(r, processUrl, simUrl, secret));

    const ms = (v: number) => round(v, 1);
    const result: BenchResult = {
      benchmark: 'executor',
      command: `node --import tsx bench/executor-coldstart.ts --runs ${runs} --seconds ${seconds} --connections ${connections} --rounds ${rounds}`,
      quick: false,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      machine,
      tables: [
        {
          title: `Cold start of a process runtime (Fleetgate Node runtime, examples/functions/hello), median of ${runs} per round`,
          columns: [
            'round',
            'load avg',
            'create median ms',
            'create p90 ms',
            'server duration median ms',
            'first execution median ms',
          ],
          rows: results.map((x, r) => [
            r + 1,
            round(x.load, 1),
            ms(x.cold.createMedianMs),
            ms(x.cold.createP90Ms),
            ms(x.cold.serverMedianMs),
            ms(x.cold.firstExecMedianMs),
          ]),
        },
        {
          title: `Executions per second against one warm runtime (wrk -c${connections}, ${seconds} s, POST JSON in, JSON out)`,
          columns: [
            'round',
            'process (hello) exec/s',
            'p50 ms',
            'p99 ms',
            'simulated (0 ms) exec/s',
            'p50 ms',
            'p99 ms',
            'errors',
          ],
          rows: results.map((x, r) => [
            r + 1,
            round(x.warm.requestsPerSecond, 0),
            round(x.warm.p50Ms, 2),
            round(x.warm.p99Ms, 2),
            round(x.sim.requestsPerSecond, 0),
            round(x.sim.p50Ms, 2),
            round(x.sim.p99Ms, 2),
            x.warm.errors + x.sim.errors,
          ]),
        },
      ],
      notes: [
        'Client, executor, runtime and wrk share a 2-core machine with other work; compare rounds by their load.',
        'create = client wall time of POST /v1/runtimes (spawn `node`, import the module, /__opr/health answers).',
        'first execution = POST .../executions with image/source on an absent runtime (cold start + run).',
      ],
      data: results,
    };
    const paths = writeResults(values.out!, 'executor', result);
    process.stdout.write(`${markdownReport(result)}\nwrote ${paths.json} and ${paths.md}\n`);
  } finally {
    await Promise.all([processFleet.stop(), simFleet.stop()]);
  }
}

await main();
