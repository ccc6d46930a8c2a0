import { performance } from 'node:perf_hooks';
import { DockerClient } from '../../lib/docker/index.ts';
import { silentLogger } from '../../lib/logger.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { healthy } from '../../scaler/providers/contract.ts';
import { createDockerProvider } from '../../scaler/providers/docker.ts';
import type { DockerProviderConfig } from '../../scaler/providers/docker-spec.ts';
import { createProcessProvider } from '../../scaler/providers/process.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import { ensureTestImages } from '../../test/support/docker-images.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, quantile, round } from '../lib/stats.ts';

const SECRET = 'bench-containers-secret';

/** Milliseconds from `create` to the host's first 200 of `/v1/health`, then the time `destroy` takes. */
async function bringUp(provider: HostProvider): Promise<{ ready: number; destroy: number }> {
  const started = performance.now();
  const host = await provider.create({ inUse: new Set() });
  if (!(await healthy(host.url, 60_000))) throw new Error(`${host.id} never answered /v1/health`);
  const ready = performance.now() - started;
  const stopping = performance.now();
  await provider.destroy(host);
  return { ready, destroy: performance.now() - stopping };
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
  for (const line of await ensureTestImages(client, '/tmp')) process.stderr.write(`[containers] ${line}\n`);
  for (const line of await ensureFleetgateImage(client, '/tmp'))
    process.stderr.write(`[containers] ${line}\n`);
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
  const samples = new Map<string, { ready: number[]; destroy: number[] }>();
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? providers : [...providers].reverse();
    for (const [name, provider] of order) {
      const s = samples.get(name) ?? { ready: [], destroy: [] };
      const { ready, destroy } = await bringUp(provider);
      s.ready.push(ready);
      s.destroy.push(destroy);
      samples.set(name, s);
    }
    process.stderr.write(`[containers] round ${i + 1}/${rounds}\n`);
  }
  for (const [, provider] of providers) await provider.close();
  const ms = (v: number) => round(v, 0);
  const table: ResultTable = {
    title: `Executor host create → ready, ${rounds} alternating rounds (ms)`,
    columns: ['provider', 'ready p50', 'ready p95', 'destroy p50', 'destroy p95'],
    rows: [...samples].map(([name, s]) => [
      name,
      ms(median(s.ready)),
      ms(quantile(s.ready, 0.95)),
      ms(median(s.destroy)),
      ms(quantile(s.destroy, 0.95)),
    ]),
  };
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
