/**
 * What the swarm provider asks the engine for, and where the executor of a task answers. Pure: no
 * I/O; the provider (swarm.ts) does the calls.
 *
 * One host is one replicated service of one replica, named and labelled after the host id. The
 * scaler drains the host it chose before removing it; scaling one shared service down would let the
 * swarm pick the task to stop, so removing a host removes exactly its own service instead.
 */
import type { ServiceBody, TaskInfo } from '../../lib/docker/index.ts';
import type { ProviderConfig } from '../policy/shell-schema.ts';
import { HOST_PLACEHOLDER, LABELS } from './docker-spec.ts';

/** The swarm provider's validated configuration. */
export type SwarmProviderConfig = Extract<ProviderConfig, { type: 'swarm' }>;

const NS_PER_MS = 1_000_000;

/** Whether the configuration runs executors on the nodes' host network (the provider picks ports). */
export function onHostNetwork(config: SwarmProviderConfig): boolean {
  return config.network === 'host';
}

/** The labels of host `id`'s service (and of its containers): recovery finds exactly these. */
export function serviceLabels(
  config: SwarmProviderConfig,
  pool: string,
  id: string,
  port: number | undefined,
): Record<string, string> {
  return {
    ...config.labels,
    [LABELS.pool]: pool,
    [LABELS.host]: id,
    [LABELS.provider]: 'swarm',
    ...(port === undefined ? {} : { [LABELS.port]: String(port) }),
  };
}

/**
 * The service of host `id`: one replica of the configured image and command (the image's
 * entrypoint kept, as the docker provider's `command` replaces only CMD), environment with the
 * secret in `secretEnv` and, on the host network, `port` in `portEnv`; mounts, network, limits
 * and the stop grace period; the image's HEALTHCHECK is off. A task that fails is restarted by the
 * swarm after 1 s.
 */
export function serviceBody(
  config: SwarmProviderConfig,
  pool: string,
  id: string,
  secret: string,
  port: number | undefined,
): ServiceBody {
  const host = onHostNetwork(config);
  const env: Record<string, string> = { ...config.env, [config.secretEnv]: secret };
  if (host && port !== undefined) env[config.portEnv] = String(port);
  const labels = serviceLabels(config, pool, id, host ? port : undefined);
  const containerSpec: Record<string, unknown> = {
    Image: config.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    Mounts: config.mounts.map((m) => {
      const [source, target, mode] = m.split(':') as [string, string, string | undefined];
      return { Type: 'bind', Source: source, Target: target, ReadOnly: mode === 'ro' };
    }),
    Init: true,
    // The provider checks the executor's /v1/health itself. The image's own HEALTHCHECK (the Fleetgate
    // image probes a gateway's port by default) would keep the task `starting`, then have Swarm kill it.
    HealthCheck: { Test: ['NONE'] },
    StopGracePeriod: config.stopTimeout * NS_PER_MS,
  };
  if (config.command) containerSpec.Args = config.command.map((arg) => arg.replaceAll(HOST_PLACEHOLDER, id));
  if (config.groups.length > 0) containerSpec.Groups = [...config.groups];
  // The engine refuses a hostname beside the host network.
  if (!host) containerSpec.Hostname = id;
  const limits: Record<string, number> = {};
  if (config.memory !== undefined) limits.MemoryBytes = config.memory;
  if (config.cpus !== undefined) limits.NanoCPUs = Math.round(config.cpus * 1e9);
  if (config.pids !== undefined) limits.Pids = config.pids;
  return {
    Name: id,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: containerSpec,
      Resources: { Limits: limits },
      RestartPolicy: { Condition: 'on-failure', Delay: 1000 * NS_PER_MS },
      Networks: [{ Target: config.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}

/** A task that ended or was refused: a create waiting for it fails with `error`. */
export function taskFailed(task: Pick<TaskInfo, 'state'>): boolean {
  return ['failed', 'rejected', 'orphaned'].includes(task.state);
}

/**
 * The executor's base URL for a running task: the node's address and `port` on the host network,
 * else the task's address on the configured network and `config.port`. Undefined while there is
 * none yet.
 */
export function taskUrl(
  config: SwarmProviderConfig,
  task: Pick<TaskInfo, 'addresses'>,
  nodeAddress: string,
  port: number | undefined,
): string | undefined {
  if (onHostNetwork(config))
    return port === undefined || !nodeAddress ? undefined : `http://${nodeAddress}:${port}`;
  const address = task.addresses[config.network];
  return address ? `http://${address}:${config.port}` : undefined;
}
