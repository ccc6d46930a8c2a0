import { performance } from 'node:perf_hooks';
import { DockerClient } from '../../lib/docker/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { healthy } from '../../scaler/providers/contract.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import type { DockerProviderConfig } from '../../scaler/providers/docker-spec.ts';
import { createSwarmProvider } from '../../scaler/providers/swarm.ts';
import type { SwarmProviderConfig } from '../../scaler/providers/swarm-spec.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import { ensureTestImages } from '../../test/support/docker-images.ts';
import { startTestSwarm } from '../../test/support/docker-swarm.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, quantile, round } from '../lib/stats.ts';

const SECRET = 'bench-swarm-secret';

/** Milliseconds from `create` to the first 200 of `/v1/health`, then from `destroy` until it stops answering. */
async function bringUp(provider: HostProvider): Promise<{ ready: number; gone: number }> {
  const started = performance.now();
  const host = await provider.create({ inUse: new Set() });
  if (!(await healthy(host.url, 60_000))) throw new Error(`${host.id} never answered /v1/health`);
  const ready = performance.now() - started;
  const stopping = performance.now();
  await provider.destroy(host);
  for (;;) {
    const res = await fetch(`${host.url}/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(
      () => undefined,
    );
    if (!res) break;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ready, gone: performance.now() - stopping };
}

/**
 * `npx tsx bench/containers/swarm.ts --socket PATH`: create → ready of an executor host as a
 * one-replica Swarm service (swarm provider) against a plain container (docker provider), both on
 * the same one-node swarm: a dockerd of its own started beside the engine at --socket (where the
 * Fleetgate image is built when missing, then copied in), alternating rounds.
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const socket = args.extra.get('socket') ?? process.env.FLEETGATE_TEST_DOCKER_SOCKET;
  if (!socket) throw new Error('--socket PATH: the Docker engine the image is built on');
  const result = startResult('containers-swarm', args.quick);
  const rounds = args.quick ? 3 : 10;
  const shared = new DockerClient({ socketPath: socket });
  for (const line of await ensureTestImages(shared, '/tmp')) process.stderr.write(`[swarm] ${line}\n`);
  for (const line of await ensureFleetgateImage(shared, '/tmp')) process.stderr.write(`[swarm] ${line}\n`);
  const swarm = await startTestSwarm(shared, [TEST_FLEETGATE_IMAGE]);
  await shared.close();
  const fields = {
    image: TEST_FLEETGATE_IMAGE,
    command: ['executor', '--bind', '127.0.0.1'],
    socket: swarm.socketPath,
    memory: '256MiB',
    cpus: 1,
    pids: 256,
    stopTimeout: '10s',
  };
  const providers: [string, HostProvider][] = [
    [
      'swarm (one-replica service)',
      createSwarmProvider({
        pool: 'bench',
        config: providerSchema.parse({ type: 'swarm', ...fields }) as SwarmProviderConfig,
        executorSecret: SECRET,
        logger: silentLogger(),
        stopOnClose: true,
      }),
    ],
    [
      'docker (container)',
      createDockerProvider({
        pool: 'bench',
        config: providerSchema.parse({ type: 'docker', ...fields }) as DockerProviderConfig,
        executorSecret: SECRET,
        logger: silentLogger(),
        stopOnClose: true,
      }),
    ],
  ];
  const samples = new Map<string, { ready: number[]; gone: number[] }>();
  try {
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? providers : [...providers].reverse();
      for (const [name, provider] of order) {
        const s = samples.get(name) ?? { ready: [], gone: [] };
        const { ready, gone } = await bringUp(provider);
        s.ready.push(ready);
        s.gone.push(gone);
        samples.set(name, s);
      }
      process.stderr.write(`[swarm] round ${i + 1}/${rounds}\n`);
    }
  } finally {
    for (const [, provider] of providers) await provider.close();
    for (const note of await swarm.stop()) process.stderr.write(`[swarm] ${note}\n`);
  }
  const ms = (v: number) => round(v, 0);
  const table: ResultTable = {
    title: `Executor host create → ready on a one-node swarm, ${rounds} alternating rounds (ms)`,
    columns: ['provider', 'ready p50', 'ready p95', 'destroy → gone p50', 'destroy → gone p95'],
    rows: [...samples].map(([name, s]) => [
      name,
      ms(median(s.ready)),
      ms(quantile(s.ready, 0.95)),
      ms(median(s.gone)),
      ms(quantile(s.gone, 0.95)),
    ]),
  };
  result.finish(
    args.outDir,
    [table],
    [
      'ready: provider create() until the first 200 of GET /v1/health (both providers wait for it themselves).',
      'destroy → gone: destroy() until /v1/health stops answering (the swarm removes the service and stops its task asynchronously).',
      'Both on the same dockerd in swarm mode, host network, 256 MiB / 1 CPU / 256 pids, the Fleetgate image built from the Dockerfile on a local base.',
    ],
    Object.fromEntries(samples),
  );
}

await main();
