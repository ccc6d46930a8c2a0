import { DockerClient, type DockerError, isDockerError } from '../../lib/docker/index.ts';
import { containerSpec, type DockerProviderConfig, hostUrl, LABELS, onHostNetwork } from './docker-spec.ts';
import {
  closeEngineProvider,
  type EngineProviderOptions,
  hostLabels,
  type ListedHost,
  type ListingHostProvider,
  lastLogLines,
  newHostId,
  PortClaims,
  portOfLabel,
  waitExecutorReady,
} from './engine-host.ts';
import { type CreateContext, ProviderError, type ProvisionedHost } from './types.ts';

/** Options of the docker provider. */
export type DockerProviderOptions = EngineProviderOptions<DockerProviderConfig>;

/** The docker provider: `HostProvider` plus `listHosts`, the pool's containers (running or not). */
export type DockerHostProvider = ListingHostProvider;

/**
 * Starts each host as a container on a Docker engine: the configured executor image, command,
 * environment, mounts, network and limits, labelled `fleetgate.pool`/`fleetgate.host`. A create
 * resolves once the executor answers `/v1/health`; a container that exits first, an image the engine
 * lacks or an engine that does not answer fail with a message naming what failed, and nothing is
 * left behind. Everything the provider needs later is on the engine (labels) and in the host's
 * labels (container id, port): another scaler process manages the hosts after a restart. By default
 * `close()` leaves them running for the next leader; with `stopOnClose` it removes them.
 */
export function createDockerProvider(options: DockerProviderOptions): DockerHostProvider {
  const { config, pool } = options;
  const log = options.logger.child({ component: 'provider', provider: 'docker' });
  const client = options.client ?? new DockerClient({ socketPath: config.socket });
  const ports = new PortClaims();
  const where = `the Docker engine at ${config.socket}`;

  const failed = (what: string, error: unknown) =>
    new ProviderError('PROVIDER_CREATE_FAILED', `docker provider: ${what}: ${explain(error)}`, {
      cause: error,
    });

  function explain(error: unknown): string {
    if (isDockerError(error, 'image_not_found'))
      return `image "${config.image}" is not on ${where} (nothing is pulled: build or load it there first)`;
    if (isDockerError(error, 'engine_unreachable'))
      return `${where} does not answer (${(error as DockerError).message})`;
    return (error as Error).message;
  }

  async function remove(containerId: string): Promise<void> {
    try {
      await client.containers.remove(containerId, { force: true });
    } catch (error) {
      if (!isDockerError(error, 'container_not_found')) throw error;
    }
  }

  async function lastLines(containerId: string): Promise<string> {
    try {
      return await lastLogLines(client, containerId);
    } catch {
      return '(no logs)';
    }
  }

  /** Waits until the executor answers `/v1/health`; throws when the container stops or time runs out. */
  function waitReady(containerId: string, id: string, port: number | undefined, signal?: AbortSignal) {
    return waitExecutorReady({
      what: `docker provider: container ${id} (image ${config.image})`,
      readyTimeout: config.readyTimeout,
      executorSecret: options.executorSecret,
      signal,
      detail: () => lastLines(containerId),
      async address() {
        const info = await client.containers.inspect(containerId);
        if (!info.state.running) {
          const why = info.state.oomKilled ? 'was OOM-killed' : `exited with code ${info.state.exitCode}`;
          throw new ProviderError(
            'PROVIDER_CREATE_FAILED',
            `docker provider: container ${id} (image ${config.image}) ${why} before its executor answered /v1/health: ${await lastLines(containerId)}`,
          );
        }
        return hostUrl(config, info, port);
      },
    });
  }

  const provider: DockerHostProvider = {
    kind: 'docker',

    async create({ inUse, signal }: CreateContext): Promise<ProvisionedHost> {
      const id = newHostId(pool, 'd', inUse);
      const port = await ports.claim(onHostNetwork(config));
      let containerId: string;
      try {
        containerId = await client.containers.create(
          containerSpec(config, pool, id, options.executorSecret, port),
        );
      } catch (error) {
        ports.release(port);
        throw failed(`create container ${id}`, error);
      }
      try {
        await client.containers.start(containerId);
        const url = await waitReady(containerId, id, port, signal);
        log.info({ host: id, container: containerId.slice(0, 12), url }, 'executor container ready');
        return {
          id,
          url,
          labels: hostLabels('container', containerId, port),
        };
      } catch (error) {
        ports.release(port);
        // Nothing is left behind: the container goes, whatever failed.
        await remove(containerId).catch((e) =>
          log.warn({ host: id, err: (e as Error).message }, 'could not remove a failed executor container'),
        );
        if (error instanceof ProviderError) throw error;
        throw failed(`start container ${id}`, error);
      }
    },

    async destroy(host: ProvisionedHost): Promise<void> {
      const container = host.labels.container ?? host.id;
      try {
        await client.containers.stop(container, Math.ceil(config.stopTimeout / 1000));
      } catch (error) {
        if (isDockerError(error, 'container_not_found')) return;
        throw new ProviderError(
          'PROVIDER_DESTROY_FAILED',
          `docker provider: stop container ${host.id}: ${explain(error)}`,
          { cause: error },
        );
      }
      await remove(container);
      ports.release(host.labels.port);
      log.info({ host: host.id }, 'executor container removed');
    },

    async exists(host: ProvisionedHost): Promise<boolean | undefined> {
      try {
        const info = await client.containers.inspect(host.labels.container ?? host.id);
        return info.state.running && info.labels[LABELS.pool] === pool;
      } catch (error) {
        if (isDockerError(error, 'container_not_found')) return false;
        return undefined;
      }
    },

    async listHosts() {
      const found = await client.containers.list({ [LABELS.pool]: pool, [LABELS.provider]: 'docker' });
      const hosts: ListedHost[] = [];
      for (const summary of found) {
        const info = await client.containers.inspect(summary.id).catch(() => undefined);
        if (!info) continue;
        const id = info.labels[LABELS.host] ?? info.name;
        const port = portOfLabel(info.labels[LABELS.port]);
        const url = hostUrl(config, info, port);
        hosts.push({
          id,
          url: url ?? '',
          labels: hostLabels('container', info.id, port),
          running: info.state.running,
        });
      }
      return hosts;
    },

    close: () => closeEngineProvider(provider, options, client),
  };
  return provider;
}
