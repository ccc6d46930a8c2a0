/**
 * What the docker provider asks the engine for, and where the executor it started answers. Pure:
 * no I/O; the provider (docker.ts) does the calls.
 */
import type { ContainerInfo, ContainerSpec } from '../../lib/docker/index.ts';
import type { ProviderConfig } from '../policy/shell-schema.ts';

/** The docker provider's validated configuration. */
export type DockerProviderConfig = Extract<ProviderConfig, { type: 'docker' }>;

/** Labels of every container the provider creates: cleanup and recovery find exactly these. */
export const LABELS = {
  pool: 'fleetgate.pool',
  host: 'fleetgate.host',
  provider: 'fleetgate.provider',
  /** The executor's port on the host network (what the URL is made of after a restart). */
  port: 'fleetgate.port',
} as const;

/** In a `command` argument, stands for the host id (e.g. a work folder of its own per host). */
export const HOST_PLACEHOLDER = '{host}';

/** Whether the configuration runs executors on the host's network (the provider picks ports). */
export function onHostNetwork(config: DockerProviderConfig): boolean {
  return config.network === 'host';
}

/**
 * The container of host `id`: the configured image, command (`{host}` replaced by `id`), environment, mounts, network and
 * limits; the executor secret in `secretEnv`; on the host network, the chosen `port` in `portEnv`.
 * On a named network the container name and hostname are the host id (openruntimes/executor finds
 * its own container by hostname).
 */
export function containerSpec(
  config: DockerProviderConfig,
  pool: string,
  id: string,
  secret: string,
  port: number | undefined,
): ContainerSpec {
  const host = onHostNetwork(config);
  const env: Record<string, string> = { ...config.env, [config.secretEnv]: secret };
  const labels: Record<string, string> = {
    ...config.labels,
    [LABELS.pool]: pool,
    [LABELS.host]: id,
    [LABELS.provider]: 'docker',
  };
  if (host && port !== undefined) {
    env[config.portEnv] = String(port);
    labels[LABELS.port] = String(port);
  }
  const spec: ContainerSpec = {
    image: config.image,
    name: id,
    env,
    labels,
    networkMode: config.network,
    binds: config.mounts.map((m) => {
      const [source, target, mode] = m.split(':') as [string, string, string | undefined];
      return { source, target, readOnly: mode === 'ro' };
    }),
    limits: {
      ...(config.memory === undefined ? {} : { memoryBytes: config.memory }),
      ...(config.cpus === undefined ? {} : { cpus: config.cpus }),
      ...(config.pids === undefined ? {} : { pids: config.pids }),
    },
    init: true,
    ...(config.groups.length > 0 ? { groupAdd: [...config.groups] } : {}),
    stopTimeoutS: Math.ceil(config.stopTimeout / 1000),
  };
  if (config.command) spec.cmd = config.command.map((arg) => arg.replaceAll(HOST_PLACEHOLDER, id));
  // The engine refuses a hostname beside the host network ("conflicting options").
  if (!host) spec.hostname = id;
  return spec;
}

/**
 * The executor's base URL, from what the engine says of the container: `127.0.0.1:port` on the host
 * network, else the container's address on the configured network and `config.port`. Undefined
 * while the engine has no address for it yet.
 */
export function hostUrl(
  config: DockerProviderConfig,
  info: Pick<ContainerInfo, 'networks'>,
  port: number | undefined,
): string | undefined {
  if (onHostNetwork(config)) return port === undefined ? undefined : `http://127.0.0.1:${port}`;
  const address = info.networks[config.network]?.ipAddress;
  return address ? `http://${address}:${config.port}` : undefined;
}
