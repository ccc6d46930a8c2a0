import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient, isDockerError } from '../../lib/docker/index.ts';
import { UsageError } from '../../lib/errors.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import { providerSchema } from '../../scaler/policy/shell-schema.ts';
import { type DockerProviderConfig, HOST_PLACEHOLDER } from '../../scaler/providers/docker-spec.ts';

/** Where `fleetgate dev --docker` runs its executor hosts. */
export interface DevDockerOptions {
  /** The engine's unix socket. */
  socket: string;
  /** The Fleetgate image (`docker build -t fleetgate:local .`). */
  image: string;
  /** The runtime image the banner's sample create names (`--runtime-image`). */
  runtimeImage: string;
}

/** What the host gives the executor containers so their runtimes can be containers too. */
export interface DevDockerHost {
  /** The socket's group id: the executors' user (uid 1000) joins it to use the mounted socket. */
  socketGid: number;
  /** A folder mounted at its own path: holds each executor's work folder, which runtime containers mount. */
  workDir: string;
}

/** Limits of each dev executor container: a laptop fleet must not take the machine. */
const DEV_LIMITS = { memory: '512MiB', cpus: 1, pids: 512 } as const;
/** Where the engine's socket appears inside an executor container. */
const SOCKET_IN_CONTAINER = '/var/run/docker.sock';

/**
 * The policy `fleetgate dev --docker` runs: the same pool, metrics and bounds, with executor hosts
 * as containers of `image` on the host network (the docker provider picks their ports). The
 * checkout is mounted read-only at its own path so `--source-root` and the example functions resolve.
 * With `executorMode` docker the executors run their runtimes as containers on the same engine:
 * the socket is mounted (its group added to the executor's user), and the shared work folder is
 * mounted at its own path, since the engine resolves a runtime's bind mounts on the host.
 */
export function dockerDevPolicy(
  policy: Policy,
  docker: DevDockerOptions,
  repoRoot: string,
  executorMode: string,
  host?: DevDockerHost,
): Policy {
  const root = repoRoot.replace(/\/$/, '');
  const command = ['executor', '--bind', '127.0.0.1', '--source-root', root, '--mode', executorMode];
  const mounts = [`${root}:${root}:ro`];
  const env: Record<string, string> = {};
  const groups: string[] = [];
  if (executorMode === 'docker' && host) {
    // A folder per executor inside the shared mount: runtimes of two executors never meet.
    command.push('--work-dir', join(host.workDir, HOST_PLACEHOLDER));
    mounts.push(`${docker.socket}:${SOCKET_IN_CONTAINER}`, `${host.workDir}:${host.workDir}`);
    env.FLEETGATE_EXECUTOR_DOCKER_SOCKET = SOCKET_IN_CONTAINER;
    groups.push(String(host.socketGid));
  }
  const provider = providerSchema.parse({
    type: 'docker',
    image: docker.image,
    socket: docker.socket,
    command,
    mounts,
    env,
    groups,
    ...DEV_LIMITS,
    stopTimeout: '15s',
  }) as DockerProviderConfig;
  return { ...policy, provider } as Policy;
}

/**
 * Checks the engine answers and has both images, with a message saying what to do when not; with
 * `runtimes`, also that the socket can be mounted (a unix socket, not a TCP engine).
 */
export async function checkDevDocker(docker: DevDockerOptions, runtimes: boolean): Promise<void> {
  const client = new DockerClient({ socketPath: docker.socket });
  try {
    await client.ping({ timeoutMs: 3_000 });
    if (!(await client.images.find(docker.image))) {
      throw new UsageError(
        `--image: ${docker.image} is not on the Docker engine at ${docker.socket}; build it first: docker build -t ${docker.image} .`,
      );
    }
    if (runtimes && !(await client.images.find(docker.runtimeImage))) {
      throw new UsageError(
        `--runtime-image: ${docker.runtimeImage} is not on the Docker engine at ${docker.socket}; pull or build it (docker pull ${docker.runtimeImage}), or name a local one with --runtime-image`,
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

/**
 * Prepares what executor containers need to run runtime containers: the socket's group, and a
 * fresh work folder every executor user may write (uid 1000 in the image; dev may run as root).
 * `remove` deletes the folder once every executor is gone.
 */
export async function prepareDevDockerHost(
  docker: DevDockerOptions,
): Promise<DevDockerHost & { remove(): Promise<void> }> {
  let socketGid: number;
  try {
    const info = await stat(docker.socket);
    if (!info.isSocket()) throw new UsageError(`--docker-socket: ${docker.socket} is not a unix socket`);
    socketGid = info.gid;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `--docker-socket: cannot read ${docker.socket} (${(error as NodeJS.ErrnoException).code ?? error}); executor containers mount it to run their runtimes`,
    );
  }
  const workDir = await mkdtemp(join(tmpdir(), 'fleetgate-dev-docker-'));
  // Sticky and writable for all: the executors' user is not dev's, and each makes its own folders.
  await chmod(workDir, 0o1777);
  return {
    socketGid,
    workDir,
    remove: () => rm(workDir, { recursive: true, force: true }).catch(() => {}),
  };
}
