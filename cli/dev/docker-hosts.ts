import { DockerClient, isDockerError } from '../../lib/docker/index.ts';
import { UsageError } from '../../lib/errors.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import type { DockerProviderConfig } from '../../scaler/providers/docker-spec.ts';

/** Where `fleetgate dev --docker` runs its executor hosts. */
export interface DevDockerOptions {
  /** The engine's unix socket. */
  socket: string;
  /** The Fleetgate image (`docker build -t fleetgate:local .`). */
  image: string;
}

/** Limits of each dev executor container: a laptop fleet must not take the machine. */
const DEV_LIMITS = { memory: '512MiB', cpus: 1, pids: 512 } as const;

/**
 * The policy `fleetgate dev --docker` runs: the same pool, metrics and bounds, with executor hosts
 * as containers of `image` on the host network (the docker provider picks their ports). The
 * checkout is mounted read-only at its own path so `--source-root` and the example functions resolve.
 */
export function dockerDevPolicy(
  policy: Policy,
  docker: DevDockerOptions,
  repoRoot: string,
  executorMode: string,
): Policy {
  const root = repoRoot.replace(/\/$/, '');
  const provider = providerSchema.parse({
    type: 'docker',
    image: docker.image,
    socket: docker.socket,
    command: ['executor', '--bind', '127.0.0.1', '--source-root', root, '--mode', executorMode],
    mounts: [`${root}:${root}:ro`],
    ...DEV_LIMITS,
    stopTimeout: '15s',
  }) as DockerProviderConfig;
  return { ...policy, provider } as Policy;
}

/** Checks the engine answers and has the image, with a message saying what to do when not. */
export async function checkDevDocker(docker: DevDockerOptions): Promise<void> {
  const client = new DockerClient({ socketPath: docker.socket });
  try {
    await client.ping({ timeoutMs: 3_000 });
    if (!(await client.images.find(docker.image))) {
      throw new UsageError(
        `--image: ${docker.image} is not on the Docker engine at ${docker.socket}; build it first: docker build -t ${docker.image} .`,
      );
    }
  } catch (error) {
    if (isDockerError(error, 'engine_unreachable') || isDockerError(error, 'engine_timeout')) {
      throw new UsageError(
        `--docker: no Docker engine answers at ${docker.socket} (--docker-socket or DOCKER_HOST=unix://PATH)`,
      );
    }
    throw error;
  } finally {
    await client.close();
  }
}
