// Measures the local executor: cold start of a process runtime (median of N creates) and
// executions per second against one warm runtime (wrk, POST with a JSON body).
//
//   node --import tsx bench/executor-coldstart.ts [--runs 20] [--seconds 10] [--connections 16]
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
import { type BenchResult, machineInfo, writeResults } from './lib/results.ts';
import { median, quantile, round } from './lib/stats.ts';
import { parseWrk, type WrkResult } from './lib/wrk.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

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

async function main(): Promise<void> {
  const startedAt = Date.now();
  const machine = machineInfo();
  const processFleet = await startExecutors(1, { mode: 'process', args: ['--log-level', 'warn'] });
  const simFleet = await startExecutors(1, {
    mode: 'simulated',
    args: ['--log-level', 'warn', '--sim-execution', '0', '--sim-concurrency', '1000'],
  });
  try {
    const host = processFleet.hosts[0]!;
    const secret = processFleet.secret;
    // Warm the executor itself (JIT, module cache) once before measuring.
    await callExecutor(host.url, secret, 'POST', '/v1/runtimes', { runtimeId: 'warmup', ...HELLO });
    await callExecutor(host.url, secret, 'DELETE', '/v1/runtimes/warmup');

    const createMs: number[] = [];
    const serverMs: number[] = [];
    const firstExecMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const res = await callExecutor(host.url, secret, 'POST', '/v1/runtimes', {
        runtimeId: `cold-${i}`,
        ...HELLO,
      });
      createMs.push(performance.now() - t0);
      if (res.status !== 201) throw new Error(`create failed: ${res.text}`);
      serverMs.push(res.json.duration * 1000);
      await callExecutor(host.url, secret, 'DELETE', `/v1/runtimes/cold-${i}`);
      const t1 = performance.now();
      const exec = await callExecutor(host.url, secret, 'POST', `/v1/runtimes/first-${i}/executions`, HELLO);
      firstExecMs.push(performance.now() - t1);
      if (exec.status !== 200) throw new Error(`execution failed: ${exec.text}`);
      await callExecutor(host.url, secret, 'DELETE', `/v1/runtimes/first-${i}`);
    }

    await callExecutor(host.url, secret, 'POST', '/v1/runtimes', { runtimeId: 'warm', ...HELLO });
    const warm = await wrkPost(
      `${host.url}/v1/runtimes/warm/executions`,
      secret,
      JSON.stringify({ path: '/' }),
    );
    await callExecutor(simFleet.hosts[0]!.url, simFleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'sim',
      image: 'sim',
    });
    const sim = await wrkPost(`${simFleet.hosts[0]!.url}/v1/runtimes/sim/executions`, simFleet.secret, '{}');

    const cold = {
      runs,
      createMedianMs: round(median(createMs), 1),
      createP90Ms: round(quantile(createMs, 0.9), 1),
      serverDurationMedianMs: round(median(serverMs), 1),
      firstExecutionMedianMs: round(median(firstExecMs), 1),
    };
    const throughputRow = (mode: string, r: WrkResult) => [
      mode,
      connections,
      round(r.seconds, 1),
      round(r.requestsPerSecond, 0),
      round(r.p50Ms, 2),
      round(r.p99Ms, 2),
      r.errors,
    ];
    const result: BenchResult = {
      benchmark: 'executor',
      command: `node --import tsx bench/executor-coldstart.ts --runs ${runs} --seconds ${seconds} --connections ${connections}`,
      quick: false,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      machine,
      tables: [
        {
          title: 'Cold start of a process runtime (Fleetgate Node runtime, examples/functions/hello)',
          columns: [
            'runs',
            'create median ms',
            'create p90 ms',
            'server duration median ms',
            'first execution median ms',
          ],
          rows: [
            [
              cold.runs,
              cold.createMedianMs,
              cold.createP90Ms,
              cold.serverDurationMedianMs,
              cold.firstExecutionMedianMs,
            ],
          ],
        },
        {
          title: 'Executions per second against one warm runtime (wrk, POST JSON in, JSON out)',
          columns: ['runtime', 'connections', 'seconds', 'executions/s', 'p50 ms', 'p99 ms', 'errors'],
          rows: [throughputRow('process (hello)', warm), throughputRow('simulated (0 ms)', sim)],
        },
      ],
      notes: [
        'Client, executor, runtime and wrk share the machine; absolute numbers depend on its load.',
        `Load average at start ${machine.loadavgAtStart.map((l) => l.toFixed(1)).join(' ')}, at end ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}.`,
        'create = client wall time of POST /v1/runtimes (spawn, import the module, /__opr/health answers);',
        'first execution = POST .../executions with image/source on an absent runtime (cold start + run).',
      ],
      data: { cold, createMs, serverMs, firstExecMs, warm, sim },
    };
    const paths = writeResults(values.out!, 'executor', result);
    process.stdout.write(
      `${JSON.stringify({ cold, warm, sim }, null, 2)}\nwrote ${paths.json} and ${paths.md}\n`,
    );
  } finally {
    await Promise.all([processFleet.stop(), simFleet.stop()]);
  }
}

await main();
