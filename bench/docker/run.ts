// Docker mode against process mode, in the same run, on this machine's own dockerd:
//   cold start   create a runtime and run its first execution (client → executor), then delete it;
//                the two modes alternate run by run so load from elsewhere hits both alike
//   warm         one execution at a time through `fleetgate gateway` → `fleetgate executor` →
//                the warm runtime (a container, or a child process), alternating too
//
//   npm run bench:docker [-- --quick] [--runs 20] [--warm 300] [--out bench/results]
//
// The engine is started here (test/support/docker-engine.ts: host networking, data root
// .tmp/docker-bench-data kept between runs) and stopped at the end; the runtime image is the
// tests' one (the host's node plus Fleetgate's runtime server).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { DockerClient } from '../../lib/docker/index.ts';
import {
  FAULT_GATEWAY_SECRET,
  type GatewayProcess,
  startGatewayProcess,
} from '../../test/faults/support/gateway-process.ts';
import { type EngineState, startEngine, stopEngine } from '../../test/support/docker-engine.ts';
import { ensureTestImages, TEST_RUNTIME_IMAGE } from '../../test/support/docker-images.ts';
import {
  callExecutor,
  type ExecutorFleet,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  REPO_ROOT,
  startExecutors,
} from '../../test/support/executors.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { startResult } from '../lib/results.ts';
import { quantile, round } from '../lib/stats.ts';

const args = parseBenchArgs(process.argv.slice(2));
const quick = args.quick;
const runs = numberOption(args, 'runs', quick ? 3 : 20);
const warmRuns = numberOption(args, 'warm', quick ? 20 : 300);
const outDir = args.outDir;

type Mode = 'process' | 'docker';
const MODES: Mode[] = ['process', 'docker'];
const IMAGE: Record<Mode, string> = { process: NODE_IMAGE, docker: TEST_RUNTIME_IMAGE };

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

function stats(values: number[]): { p50: number | null; p95: number | null; n: number } {
  return { p50: round(quantile(values, 0.5), 1), p95: round(quantile(values, 0.95), 1), n: values.length };
}

async function main(): Promise<void> {
  const result = startResult('docker', quick);
  const runDir = mkdtempSync(join(tmpdir(), 'fg-bench-'));
  let engine: EngineState | undefined;
  const fleets: ExecutorFleet[] = [];
  const gateways: GatewayProcess[] = [];
  try {
    engine = await startEngine({ runDir, dataRoot: join(REPO_ROOT, '.tmp', 'docker-bench-data') });
    const client = new DockerClient({ socketPath: engine.socketPath });
    for (const line of await ensureTestImages(client, runDir)) process.stdout.write(`[docker] ${line}\n`);
    const version = await client.version();
    await client.close();

    const executors = {} as Record<Mode, { url: string; secret: string }>;
    for (const mode of MODES) {
      const fleet = await startExecutors(1, {
        mode,
        idPrefix: `bench-${mode}`,
        env: {
          FLEETGATE_EXECUTOR_DOCKER_SOCKET: engine.socketPath,
          FLEETGATE_EXECUTOR_DOCKER_OWNER: 'bench',
        },
        args: ['--log-level', 'warn'],
      });
      fleets.push(fleet);
      const host = fleet.hosts[0];
      if (!host) throw new Error(`no ${mode} executor`);
      executors[mode] = { url: host.url, secret: fleet.secret };
    }
    const fn = (mode: Mode) => ({ image: IMAGE[mode], source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT });

    // Cold starts: create → first execution, alternating the mode that goes first.
    const cold: Record<Mode, { create: number[]; total: number[] }> = {
      process: { create: [], total: [] },
      docker: { create: [], total: [] },
    };
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        const { url, secret } = executors[mode];
        const id = `cold-${run}`;
        const t0 = performance.now();
        const created = await callExecutor(url, secret, 'POST', '/v1/runtimes', {
          runtimeId: id,
          ...fn(mode),
        });
        const t1 = performance.now();
        const executed = await callExecutor(url, secret, 'POST', `/v1/runtimes/${id}/executions`, {
          path: '/',
        });
        const t2 = performance.now();
        if (created.status !== 201 || executed.status !== 200)
          throw new Error(`${mode} cold start failed: ${created.text} ${executed.text}`);
        cold[mode].create.push(t1 - t0);
        cold[mode].total.push(t2 - t0);
        await callExecutor(url, secret, 'DELETE', `/v1/runtimes/${id}`);
      }
    }

    // Warm executions through a gateway process in front of each executor.
    const pools = {} as Record<Mode, Pool>;
    for (const mode of MODES) {
      const gateway = await startGatewayProcess({
        executors: [executors[mode].url],
        executorSecret: executors[mode].secret,
        logLevel: 'warn',
      });
      gateways.push(gateway);
      pools[mode] = new Pool(gateway.url, { connections: 1, pipelining: 1 });
      const created = await callExecutor(gateway.url, FAULT_GATEWAY_SECRET, 'POST', '/v1/runtimes', {
        runtimeId: 'warm',
        ...fn(mode),
      });
      if (created.status !== 201)
        throw new Error(`${mode}: create through the gateway failed: ${created.text}`);
    }
    const body = JSON.stringify({ path: '/', method: 'GET' });
    const warm: Record<Mode, number[]> = { process: [], docker: [] };
    for (let i = 0; i < warmRuns; i++) {
      for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
        const t0 = performance.now();
        const res = await pools[mode].request({
          method: 'POST',
          path: '/v1/runtimes/warm/executions',
          headers: {
            authorization: `Bearer ${FAULT_GATEWAY_SECRET}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'x-opr-runtime-id': 'warm',
          },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${mode} warm execution: ${res.statusCode} ${text}`);
        warm[mode].push(performance.now() - t0);
      }
    }
    for (const pool of Object.values(pools)) await pool.close();

    const row = (mode: Mode, values: number[]) => {
      const s = stats(values);
      return [mode, s.n, s.p50, s.p95];
    };
    const ratio = (a: number[], b: number[], q: number) => round(quantile(a, q) / quantile(b, q), 2);
    result.finish(
      outDir,
      [
        {
          title: 'Cold start: create → first execution (client → executor), ms',
          columns: ['mode', 'runs', 'p50', 'p95'],
          rows: [row('process', cold.process.total), row('docker', cold.docker.total)],
          notes: [
            `docker ÷ process: p50 ${ratio(cold.docker.total, cold.process.total, 0.5)}×, p95 ${ratio(cold.docker.total, cold.process.total, 0.95)}×`,
            `create alone (runtime listening): process p50 ${stats(cold.process.create).p50} ms, docker p50 ${stats(cold.docker.create).p50} ms`,
          ],
        },
        {
          title: 'Warm execution through gateway → executor → runtime, one at a time, ms',
          columns: ['mode', 'executions', 'p50', 'p95'],
          rows: [row('process', warm.process), row('docker', warm.docker)],
          notes: [
            `docker ÷ process: p50 ${ratio(warm.docker, warm.process, 0.5)}×, p95 ${ratio(warm.docker, warm.process, 0.95)}×`,
          ],
        },
      ],
      [
        `Docker ${version.version} (API ${version.apiVersion}), host networking, runtime image ${TEST_RUNTIME_IMAGE} (the host's node + executor/runtime/node-server.mjs); process mode runs the same server as a child process.`,
        'Both executors are `fleetgate executor` processes started through tsx; modes alternate run by run.',
      ],
      { cold, warm },
    );
  } finally {
    for (const gateway of gateways) await gateway.stop().catch(() => {});
    for (const fleet of fleets) await fleet.stop().catch(() => {});
    if (engine) for (const note of await stopEngine(engine)) process.stdout.write(`[docker] ${note}\n`);
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
