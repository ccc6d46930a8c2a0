import { performance } from 'node:perf_hooks';
import { DockerClient } from '../../lib/docker/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import type { DockerProviderConfig } from '../../scaler/providers/docker-spec.ts';
import { createProcessProvider } from '../../scaler/providers/process.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import { TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { startResult } from '../lib/results.ts';
import { alternatingRounds, createUntilReady, ensureBenchImages, roundsTable } from './rounds.ts';

const SECRET = 'bench-containers-secret';

/** Milliseconds from `create` to the host's first 200 of `/v1/health`, then the time `destroy` takes. */
async function bringUp(provider: HostProvider): Promise<{ ready: number; stop: number }> {
  const { host, ready } = await createUntilReady(provider);
  const stopping = performance.now();
  await provider.destroy(host);
  return { ready, stop: performance.now() - stopping };
}

/**
 * `npm run bench:containers -- --socket PATH`: how long the scaler's provider takes to bring an
 * executor host to ready (create → first 200 of /v1/health) as a container of the Fleetgate image
 * (docker provider, host network, compiled JS) against a local `fleetgate executor` process (process
 * provider, through tsx in a checkout), alternating, on the Docker engine at --socket (the test
 * harness's, or one's own). The image is built from the Dockerfile on a local base when missing.
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const socket = args.extra.get('socket') ?? process.env.FLEETGATE_TEST_DOCKER_SOCKET;
  if (!socket)
    throw new Error('--socket PATH: the Docker engine to run on (or FLEETGATE_TEST_DOCKER_SOCKET)');
  const result = startResult('containers', args.quick);
  const rounds = args.quick ? 3 : 10;
  const client = new DockerClient({ socketPath: socket });
  await ensureBenchImages(client, 'containers');
  await client.close();
  const config = providerSchema.parse({
    type: 'docker',
    image: TEST_FLEETGATE_IMAGE,
    command: ['executor', '--bind', '127.0.0.1'],
    socket,
    memory: '256MiB',
    cpus: 1,
    pids: 256,
    stopTimeout: '10s',
  }) as DockerProviderConfig;
  const providers: [string, HostProvider][] = [
    [
      'docker (container of the Fleetgate image)',
      createDockerProvider({ pool: 'bench', config, executorSecret: SECRET, logger: silentLogger() }),
    ],
    [
      'process (fleetgate executor through tsx)',
      createProcessProvider({
        pool: 'bench',
        executorSecret: SECRET,
        logger: silentLogger(),
        stopOnClose: true,
        stopTimeoutMs: 10_000,
      }),
    ],
  ];
  const samples = await alternatingRounds(providers, rounds, 'containers', 'destroy', bringUp);
  for (const [, provider] of providers) await provider.close();
  const table = roundsTable(
    `Executor host create → ready, ${rounds} alternating rounds (ms)`,
    'destroy',
    'destroy',
    samples,
  );
  result.finish(
    args.outDir,
    [table],
    [
      'ready: provider create() until the first 200 of GET /v1/health (the docker provider itself waits for it).',
      'docker: host network, 256 MiB / 1 CPU / 256 pids, the image built from the Dockerfile on a local base.',
      'destroy: SIGTERM (the executor drains) until the container is removed / the process exited.',
    ],
    Object.fromEntries(samples),
  );
}

await main();
