// A warm execution at concurrency 1: client → `fleetgate gateway` → `fleetgate executor` → runtime and
// client → `fleetgate executor` → runtime, against the runtime called directly, and where the time goes.
//
//   npm run bench:executor [-- --requests 2000 --rounds 3 --quick]
//
// Variants, measured in the same rounds, interleaved (one client request at a time, keep-alive):
//   direct       client → Fleetgate's Node runtime server (examples/functions/hello), as the executor calls it
//   forwarder    client → a bare node:http + undici hop (bench/executor/forwarder.mjs) → the same runtime
//   forwarder → executor  the bare hop in front of the executor below: the peer of the gateway hop
//   gateway      client → `fleetgate gateway` (a process, one static host) → the executor below, as Appwrite calls it
//   executor     client → `fleetgate executor` (process mode) → its runtime, logging on (the default)
//   no logs      the same with `logging: false` (no log files written, read and deleted)
//   simulated    client → `fleetgate executor --mode simulated`, 0 ms executions: the executor without a runtime
// Every server is its own process; all share the 2-core machine with the client.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { NODE_RUNTIME_SERVER } from '../../executor/options.ts';
import { freePort } from '../../lib/free-port.ts';
import { FAULT_GATEWAY_SECRET, startGatewayProcess } from '../../test/faults/support/gateway-process.ts';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  REPO_ROOT,
  startExecutors,
} from '../../test/support/executors.ts';
import {
  type BenchResult,
  machineInfo,
  markdownReport,
  type ResultTable,
  writeResults,
} from '../lib/results.ts';
import { quantile, round } from '../lib/stats.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
  },
});
const quick = values.quick ?? false;
const requests = quick ? 200 : Number(values.requests);
const rounds = quick ? 1 : Number(values.rounds);
const WARMUP = quick ? 50 : 300;

type Variant =
  | 'direct'
  | 'forwarder'
  | 'forwarder → executor'
  | 'gateway'
  | 'executor'
  | 'no logs'
  | 'simulated';
const VARIANTS: Variant[] = [
  'direct',
  'forwarder',
  'forwarder → executor',
  'gateway',
  'executor',
  'no logs',
  'simulated',
];

/** One request of a variant: resolves when the whole response was read; throws on a wrong answer. */
type Call = () => Promise<void>;

async function waitFor(url: string, path: string): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}${path}`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > until) throw new Error(`${url}${path} did not answer within 15 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function spawnServer(args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env, stdio: 'ignore' });
  process.on('exit', () => child.kill('SIGKILL'));
  return child;
}

/** A bare node:http + undici forwarder in front of `target`, up once `healthPath` answers through it. */
async function startForwarder(target: string, healthPath: string, children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  children.push(
    spawnServer(
      [join(REPO_ROOT, 'bench/executor/forwarder.mjs'), String(port), target],
      { PATH: process.env.PATH },
      REPO_ROOT,
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url, healthPath);
  return url;
}

async function measure(call: Call, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return times;
}

// SIGINT / SIGTERM exit through the 'exit' handlers, which kill every process this script started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function main(): Promise<void> {
  const startedAt = Date.now();
  const machine = machineInfo();
  const logsDir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-runtime-logs-'));
  const children: ChildProcess[] = [];
  const fleet = await startExecutors(1, { mode: 'process' });
  const sim = await startExecutors(1, {
    mode: 'simulated',
    args: ['--sim-cold-start', '0', '--sim-execution', '0'],
  });
  const gateway = await startGatewayProcess({
    executors: [fleet.hosts[0]!.url],
    executorSecret: fleet.secret,
    logLevel: 'warn',
  });
  try {
    // The runtime called directly: the executor's own runtime server, started as the executor starts it.
    const runtimePort = await freePort();
    const secret = 'bench-runtime-secret';
    children.push(
      spawnServer(
        [NODE_RUNTIME_SERVER],
        {
          PATH: process.env.PATH,
          PORT: String(runtimePort),
          OPEN_RUNTIMES_SECRET: secret,
          OPEN_RUNTIMES_ENTRYPOINT: HELLO_ENTRYPOINT,
          OPEN_RUNTIMES_LOGS_DIR: logsDir,
        },
        join(REPO_ROOT, HELLO_SOURCE),
      ),
    );
    const runtimeUrl = `http://127.0.0.1:${runtimePort}`;
    await waitFor(runtimeUrl, '/__opr/health');
    const forwarderUrl = await startForwarder(runtimeUrl, '/__opr/health', children);

    const executorUrl = fleet.hosts[0]!.url;
    const executorForwarderUrl = await startForwarder(executorUrl, '/v1/health', children);
    const simUrl = sim.hosts[0]!.url;
    const hello = { image: NODE_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };
    const created = await callExecutor(executorUrl, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'bench',
      ...hello,
    });
    if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
    await callExecutor(simUrl, sim.secret, 'POST', '/v1/runtimes', { runtimeId: 'bench', image: 'sim' });

    const pool = (url: string) => new Pool(url, { connections: 1, pipelining: 1 });
    const pools = {
      runtime: pool(runtimeUrl),
      forwarder: pool(forwarderUrl),
      executorForwarder: pool(executorForwarderUrl),
      executor: pool(executorUrl),
      gateway: pool(gateway.url),
      sim: pool(simUrl),
    };
    let logId = 0;
    const runtimeHeaders = () => ({
      'x-open-runtimes-secret': secret,
      'x-open-runtimes-timeout': '15',
      'x-open-runtimes-logging': 'enabled',
      'x-open-runtimes-log-id': `bench${++logId}`,
    });
    const expectOk = async (res: Awaited<ReturnType<Pool['request']>>, what: string) => {
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${what}: ${res.statusCode} ${text.slice(0, 200)}`);
      return text;
    };
    const execBody = (logging: boolean) => JSON.stringify({ method: 'GET', path: '/?name=bench', logging });
    const execHeaders = (key: string) => ({
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    const calls: Record<Variant, Call> = {
      direct: async () => {
        await expectOk(
          await pools.runtime.request({ method: 'GET', path: '/?name=bench', headers: runtimeHeaders() }),
          'direct',
        );
      },
      forwarder: async () => {
        await expectOk(
          await pools.forwarder.request({ method: 'GET', path: '/?name=bench', headers: runtimeHeaders() }),
          'forwarder',
        );
      },
      'forwarder → executor': async () => {
        const res = await pools.executorForwarder.request({
          method: 'POST',
          path: '/v1/runtimes/bench/executions',
          headers: execHeaders(fleet.secret),
          body: execBody(true),
        });
        if (JSON.parse(await expectOk(res, 'forwarder → executor')).statusCode !== 200)
          throw new Error('function failed');
      },
      gateway: async () => {
        const res = await pools.gateway.request({
          method: 'POST',
          path: '/v1/runtimes/bench/executions',
          headers: {
            ...execHeaders(FAULT_GATEWAY_SECRET),
            'x-opr-runtime-id': 'bench',
            'x-opr-addressing-method': 'anycast-efficient',
          },
          body: execBody(true),
        });
        if (JSON.parse(await expectOk(res, 'gateway')).statusCode !== 200) throw new Error('function failed');
      },
      executor: async () => {
        const res = await pools.executor.request({
          method: 'POST',
          path: '/v1/runtimes/bench/executions',
          headers: execHeaders(fleet.secret),
          body: execBody(true),
        });
        if (JSON.parse(await expectOk(res, 'executor')).statusCode !== 200)
          throw new Error('function failed');
      },
      'no logs': async () => {
        const res = await pools.executor.request({
          method: 'POST',
          path: '/v1/runtimes/bench/executions',
          headers: execHeaders(fleet.secret),
          body: execBody(false),
        });
        await expectOk(res, 'no logs');
      },
      simulated: async () => {
        const res = await pools.sim.request({
          method: 'POST',
          path: '/v1/runtimes/bench/executions',
          headers: execHeaders(sim.secret),
          body: execBody(true),
        });
        await expectOk(res, 'simulated');
      },
    };

    for (const v of VARIANTS) await measure(calls[v], WARMUP);
    const samples: Record<Variant, number[][]> = {
      direct: [],
      forwarder: [],
      'forwarder → executor': [],
      gateway: [],
      executor: [],
      'no logs': [],
      simulated: [],
    };
    for (let r = 0; r < rounds; r++) {
      // Interleaved in slices so every variant sees the same machine load.
      const slice = Math.max(1, Math.floor(requests / 10));
      const round: Record<Variant, number[]> = {
        direct: [],
        forwarder: [],
        'forwarder → executor': [],
        gateway: [],
        executor: [],
        'no logs': [],
        simulated: [],
      };
      for (let done = 0; done < requests; done += slice) {
        for (const v of VARIANTS)
          round[v].push(...(await measure(calls[v], Math.min(slice, requests - done))));
      }
      for (const v of VARIANTS) samples[v].push(round[v]);
    }

    const ms = (x: number) => round(x, 3);
    const p = (xs: number[], q: number) => quantile(xs, q);
    const rows: ResultTable['rows'] = [];
    const summary: Record<string, { p50: number; p99: number }[]> = {};
    for (let r = 0; r < rounds; r++) {
      const directP50 = p(samples.direct[r]!, 0.5);
      for (const v of VARIANTS) {
        const xs = samples[v][r]!;
        const p50 = p(xs, 0.5);
        const p99 = p(xs, 0.99);
        summary[v] = [...(summary[v] ?? []), { p50, p99 }];
        rows.push([r + 1, v, xs.length, ms(p50), ms(p99), ms(p50 - directP50), round(p50 / directP50, 2)]);
      }
    }
    const med = (v: Variant) =>
      quantile(
        summary[v]!.map((s) => s.p50),
        0.5,
      );
    const hop = med('executor') - med('direct');
    const bareHop = med('forwarder') - med('direct');
    const logCost = med('executor') - med('no logs');
    const gatewayHop = med('gateway') - med('executor');
    const bareGatewayHop = med('forwarder → executor') - med('executor');
    const p99 = (v: Variant) =>
      quantile(
        summary[v]!.map((s) => s.p99),
        0.5,
      );
    const tables: ResultTable[] = [
      {
        title: `A warm execution at concurrency 1 (examples/functions/hello), ${requests} requests per variant per round`,
        columns: ['round', 'variant', 'requests', 'p50 ms', 'p99 ms', 'p50 − direct ms', 'p50 / direct'],
        rows,
      },
      {
        title: 'Gateway → executor → runtime next to its parts (medians of the rounds’ p50 and p99, ms)',
        columns: ['path', 'p50 ms', 'p99 ms'],
        rows: (['gateway', 'executor', 'direct'] as const).map((v) => [
          { gateway: 'gateway → executor → runtime', executor: 'executor → runtime', direct: 'runtime' }[v],
          ms(med(v)),
          ms(p99(v)),
        ]),
      },
      {
        title: 'Where the time goes (medians of the rounds’ p50, ms)',
        columns: ['part', 'ms', 'how it is derived'],
        rows: [
          ['a warm execution through the gateway, all of it', ms(med('gateway')), 'gateway'],
          ['the gateway hop', ms(gatewayHop), 'gateway − executor'],
          [
            '  of which any Node HTTP hop costs (with this response)',
            ms(bareGatewayHop),
            'forwarder → executor − executor',
          ],
          [
            '  of which the gateway’s own handling (auth, routing, placement, headers)',
            ms(gatewayHop - bareGatewayHop),
            'the rest',
          ],
          ['the executor hop', ms(hop), 'executor − direct'],
          ['  of which any Node HTTP hop costs', ms(bareHop), 'forwarder − direct'],
          ['  of which the log files (write, read, delete)', ms(logCost), 'executor − no logs'],
          [
            '  of which the executor’s own handling (routing, auth, fields, JSON answer, metrics)',
            ms(hop - bareHop - logCost),
            'the rest',
          ],
          ['the runtime itself (HTTP + function)', ms(med('direct')), 'direct'],
          ['the executor alone, no runtime', ms(med('simulated')), 'simulated'],
        ],
      },
    ];
    const notes = [
      'gateway: `fleetgate gateway` started from this repository (tsx, log level warn) with the executor as its one static host, called with the gateway secret, `x-opr-runtime-id` and `x-opr-addressing-method: anycast-efficient` as Appwrite calls open-runtimes/proxy; the gateway replaces the client’s credential with the executor secret.',
      'forwarder → executor: the same bare forwarder process as `forwarder`, in front of the executor (it passes the executor secret through), so it carries the response the gateway carries.',
      'Client, gateway, executor, runtime and forwarders are separate processes on one shared 2-core machine; the variants are interleaved in slices of a tenth of the requests so they see the same load.',
      'direct sends the runtime protocol headers the executor sends (secret, timeout, logging enabled, log id); its log files are written by the runtime and not read.',
      'simulated: `fleetgate executor --mode simulated` with 0 ms executions: routing, auth, field parsing and the JSON answer, no runtime call.',
    ];
    // Written as executor-warm: bench/results/executor.* belongs to bench/executor-coldstart.ts.
    const done: BenchResult = {
      benchmark: 'executor',
      command: `npm run bench:executor -- ${quick ? '--quick' : `--requests ${requests} --rounds ${rounds}`}`,
      quick,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      machine,
      tables,
      notes,
      data: { requests, rounds, samples: summary },
    };
    const paths = writeResults(values.out!, 'executor-warm', done);
    process.stdout.write(`${markdownReport(done)}\nwrote ${paths.json} and ${paths.md}\n`);
    await Promise.all(Object.values(pools).map((x) => x.close()));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await gateway.stop();
    await fleet.stop();
    await sim.stop();
    rmSync(logsDir, { recursive: true, force: true });
  }
}

await main();
