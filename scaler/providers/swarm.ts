import { DockerClient, type DockerError, isDockerError, type TaskInfo } from '../../lib/docker/index.ts';
import { LABELS } from './docker-spec.ts';
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
import { onHostNetwork, type SwarmProviderConfig, serviceBody, taskFailed, taskUrl } from './swarm-spec.ts';
import { type CreateContext, ProviderError, type ProvisionedHost } from './types.ts';

/** Options of the swarm provider. */
export type SwarmProviderOptions = EngineProviderOptions<SwarmProviderConfig>;

/** The swarm provider: `HostProvider` plus `listHosts`, the pool's services (`running` when a task runs). */
export type SwarmHostProvider = ListingHostProvider;

/**
 * Starts each host as a one-replica service on a Docker swarm (the engine at `config.socket` must
 * be a manager): the configured image, command, environment, mounts, network and limits, labelled
 * `fleetgate.pool`/`fleetgate.host`/`fleetgate.provider=swarm`. A create resolves once the task's
 * executor answers `/v1/health`; a task the swarm fails or rejects first (missing image, port
 * taken, …) fails the create with the swarm's reason, and the service is removed. `destroy`
 * removes the host's own service, so the task that goes is the one the scaler drained. After a
 * restart a new provider finds the services by label (`listHosts`). `close()` leaves them running
 * unless `stopOnClose`.
 */
export function createSwarmProvider(options: SwarmProviderOptions): SwarmHostProvider {
  const { config, pool } = options;
  const log = options.logger.child({ component: 'provider', provider: 'swarm' });
  const client = options.client ?? new DockerClient({ socketPath: config.socket });
  const ports = new PortClaims();
  const where = `the Docker swarm manager at ${config.socket}`;

  function explain(error: unknown): string {
    if (isDockerError(error, 'engine_unreachable'))
      return `${where} does not answer (${(error as DockerError).message})`;
    if ((error as { status?: number }).status === 503)
      return `${where} is not a swarm manager (run \`docker swarm init\` on it first): ${(error as Error).message}`;
    return (error as Error).message;
  }

  async function lastLines(task: TaskInfo | undefined): Promise<string> {
    if (!task?.containerId) return '(no container)';
    try {
      return (await lastLogLines(client, task.containerId)) || '(no output)';
    } catch {
      return '(no logs on this node)';
    }
  }

  /** The URL of the service's running task, if it has one. */
  async function runningUrl(tasks: TaskInfo[], port: number | undefined): Promise<string | undefined> {
    const task = tasks.find((t) => t.state === 'running' && t.desiredState === 'running');
    if (!task) return undefined;
    const node = onHostNetwork(config) ? await client.swarm.nodeAddress(task.nodeId) : '';
    return taskUrl(config, task, node, port);
  }

  /** Waits until the task's executor answers `/v1/health`; throws when the task fails or time runs out. */
  function waitReady(serviceId: string, id: string, port: number | undefined, signal?: AbortSignal) {
    let tasks: TaskInfo[] = [];
    return waitExecutorReady({
      what: `swarm provider: service ${id} (image ${config.image})`,
      readyTimeout: config.readyTimeout,
      executorSecret: options.executorSecret,
      signal,
      detail: async () =>
        `tasks: ${tasks.map((t) => `${t.state}${t.error ? ` (${t.error})` : ''}`).join(', ') || 'none'}`,
      async address() {
        tasks = await client.swarm.tasks(serviceId);
        const failed = tasks.find(taskFailed);
        if (failed)
          throw new ProviderError(
            'PROVIDER_CREATE_FAILED',
            `swarm provider: service ${id} (image ${config.image}): its task ${failed.state} before the executor answered /v1/health: ${failed.error || '(no reason given)'}; ${await lastLines(failed)}`,
          );
        return runningUrl(tasks, port);
      },
    });
  }

  const provider: SwarmHostProvider = {
    kind: 'swarm',

    async create({ inUse, signal }: CreateContext): Promise<ProvisionedHost> {
      const id = newHostId(pool, 's', inUse);
      const port = await ports.claim(onHostNetwork(config));
      let serviceId: string;
      try {
        serviceId = await client.swarm.createService(
          serviceBody(config, pool, id, options.executorSecret, port),
        );
      } catch (error) {
        ports.release(port);
        throw new ProviderError(
          'PROVIDER_CREATE_FAILED',
          `swarm provider: create service ${id}: ${explain(error)}`,
          {
            cause: error,
          },
        );
      }
      try {
        const url = await waitReady(serviceId, id, port, signal);
        log.info({ host: id, service: serviceId.slice(0, 12), url }, 'executor service ready');
        return {
          id,
          url,
          labels: hostLabels('service', serviceId, port),
        };
      } catch (error) {
        ports.release(port);
        // Nothing is left behind: the service goes, whatever failed.
        await client.swarm
          .removeService(serviceId)
          .catch((e) =>
            log.warn({ host: id, err: (e as Error).message }, 'could not remove a failed executor service'),
          );
        if (error instanceof ProviderError) throw error;
        throw new ProviderError(
          'PROVIDER_CREATE_FAILED',
          `swarm provider: start service ${id}: ${explain(error)}`,
          {
            cause: error,
          },
        );
      }
    },

    async destroy(host: ProvisionedHost): Promise<void> {
      try {
        await client.swarm.removeService(host.labels.service ?? host.id);
      } catch (error) {
        throw new ProviderError(
          'PROVIDER_DESTROY_FAILED',
          `swarm provider: remove service ${host.id}: ${explain(error)}`,
          {
            cause: error,
          },
        );
      }
      ports.release(host.labels.port);
      log.info({ host: host.id }, 'executor service removed');
    },

    async exists(host: ProvisionedHost): Promise<boolean | undefined> {
      try {
        const service = await client.swarm.inspectService(host.labels.service ?? host.id);
        return service.labels[LABELS.pool] === pool;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return false;
        return undefined;
      }
    },

    async listHosts() {
      const services = await client.swarm.listServices({ [LABELS.pool]: pool, [LABELS.provider]: 'swarm' });
      const hosts: ListedHost[] = [];
      for (const service of services) {
        const port = portOfLabel(service.labels[LABELS.port]);
        const url = await runningUrl(await client.swarm.tasks(service.id), port).catch(() => undefined);
        hosts.push({
          id: service.labels[LABELS.host] ?? service.name,
          url: url ?? '',
          labels: hostLabels('service', service.id, port),
          running: url !== undefined,
        });
      }
      return hosts;
    },

    close: () => closeEngineProvider(provider, options, client),
  };
  return provider;
}
