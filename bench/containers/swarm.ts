import { performance } from 'node:perf_hooks';
import { DockerClient } from '../../lib/docker/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import type { DockerProviderConfig } from '../../scaler/providers/docker-spec.ts';
import { createSwarmProvider } from '../../scaler/providers/swarm.ts';
import type { SwarmProviderConfig } from '../../scaler/providers/swarm-spec.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import { startTestSwarm } from '../../test/support/docker-swarm.ts';
import { TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { startResult } from '../lib/results.ts';
import {
  alternatingRounds,
  createUntilReady,
  ensureBenchImages,
  type RoundSamples,
  roundsTable,
} from './rounds.ts';

const SECRET = 'bench-swarm-secret';

/** Milliseconds from `create` to the first 200 of `/v1/health`, then from `destroy` until it stops answering. */
async function bringUp(provider: HostProvider): Promise<{ ready: number; stop: number }> {
  const { host, ready } = await createUntilReady(provider);
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
  return { ready, stop: performance.now() - stopping };
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
  await ensureBenchImages(shared, 'swarm');
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
  let samples: Map<string, RoundSamples<'gone'>>;
  try {
    samples = await alternatingRounds(providers, rounds, 'swarm', 'gone', bringUp);
  } finally {
    for (const [, provider] of providers) await provider.close();
    for (const note of await swarm.stop()) process.stderr.write(`[swarm] ${note}\n`);
  }
  const table = roundsTable(
    `Executor host create → ready on a one-node swarm, ${rounds} alternating rounds (ms)`,
    'destroy → gone',
    'gone',
    samples,
  );
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
