import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from '../../lib/docker/index.ts';
import { freePort } from '../../lib/free-port.ts';
import type { Logger } from '../../lib/logger.ts';
import { type HostProvider, ProviderError, type ProvisionedHost } from './types.ts';

// What the docker and swarm providers share: both start executor hosts through a Docker engine
// client, find them again by label after a restart, and claim host-network ports.

/** Options of a provider that starts hosts through a Docker engine (docker, swarm). */
export interface EngineProviderOptions<Config> {
  pool: string;
  config: Config;
  /** Executor secret, passed in the host's `config.secretEnv` (never in labels or the registry). */
  executorSecret: string;
  logger: Logger;
  /** Whether `close()` removes every host of this pool (`fleetgate dev`); default false. */
  stopOnClose?: boolean;
  /** The engine client; default one on `config.socket`. Injected by tests. */
  client?: DockerClient;
}

/** A host the engine has, as a restarted scaler finds it: `running` when its executor can run. */
export type ListedHost = ProvisionedHost & { running: boolean };

/** `HostProvider` plus what a restarted scaler uses to find its hosts again. */
export interface ListingHostProvider extends HostProvider {
  /** The pool's executor hosts the engine has, found by label. */
  listHosts(): Promise<ListedHost[]>;
}

/** How often a create looks at the host and the executor's health while it boots. */
export const READY_POLL_MS = 100;

/** A new host id `<pool>-<letter><8 hex>` that is not in `inUse`. */
export function newHostId(pool: string, letter: string, inUse: ReadonlySet<string>): string {
  for (;;) {
    const id = `${pool}-${letter}${randomBytes(4).toString('hex')}`;
    if (!inUse.has(id)) return id;
  }
}

/** Host-network ports handed out and not yet released: two parallel creates must not share one. */
export class PortClaims {
  private readonly claimed = new Set<number>();

  /** A free port no other create holds, when `onHostNetwork`; otherwise undefined. */
  async claim(onHostNetwork: boolean): Promise<number | undefined> {
    if (!onHostNetwork) return undefined;
    let port = await freePort();
    while (this.claimed.has(port)) port = await freePort();
    this.claimed.add(port);
    return port;
  }

  release(port: number | string | undefined): void {
    if (port !== undefined && port !== '') this.claimed.delete(Number(port));
  }
}

/** The port in a `fleetgate.port` label, when it holds one. */
export function portOfLabel(label: string | undefined): number | undefined {
  return label && /^\d+$/.test(label) ? Number(label) : undefined;
}

/** A host's labels: the engine object's id under `key` and, on the host network, its port. */
export function hostLabels(key: 'container' | 'service', id: string, port: number | undefined) {
  return { [key]: id, ...(port === undefined ? {} : { port: String(port) }) };
}

/** Whether the executor at `url` answers `/v1/health` with 200 within a second. */
export async function executorHealthy(url: string, executorSecret: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/health`, {
    headers: { authorization: `Bearer ${executorSecret}` },
    signal: AbortSignal.timeout(1000),
  }).catch(() => undefined);
  await res?.body?.cancel();
  return res?.status === 200;
}

/** What `waitExecutorReady` asks of a host while it boots. */
export interface ReadinessProbe {
  /** Names the host in messages, e.g. `docker provider: container fg-d1a2b3c4`. */
  what: string;
  readyTimeout: number;
  executorSecret: string;
  signal?: AbortSignal;
  /** The host's executor URL once it has one; throws when the host failed (exited, task rejected). */
  address(): Promise<string | undefined>;
  /** What to add to the timeout message (last log lines, task states). */
  detail(): Promise<string>;
}

/**
 * Polls a booting host every `READY_POLL_MS` until its executor answers `/v1/health` and returns its
 * URL; throws `PROVIDER_TIMEOUT` when the signal aborts or `readyTimeout` passes, and whatever
 * `address()` throws when the host fails first.
 */
export async function waitExecutorReady(probe: ReadinessProbe): Promise<string> {
  const deadline = Date.now() + probe.readyTimeout;
  for (;;) {
    if (probe.signal?.aborted) throw new ProviderError('PROVIDER_TIMEOUT', `${probe.what}: create aborted`);
    const url = await probe.address();
    if (url && (await executorHealthy(url, probe.executorSecret))) return url;
    if (Date.now() > deadline)
      throw new ProviderError(
        'PROVIDER_TIMEOUT',
        `${probe.what}: its executor did not answer ${url ?? '(no address yet)'}/v1/health within ${probe.readyTimeout} ms: ${await probe.detail()}`,
      );
    await sleep(READY_POLL_MS);
  }
}

/** The last five lines of a container's output, on one line, for error messages. */
export async function lastLogLines(client: DockerClient, containerId: string): Promise<string> {
  const { stdout, stderr } = await client.containers.logs(containerId, { tail: 5 });
  return `${stdout}${stderr}`.trim().split('\n').slice(-5).join(' | ');
}

/** `close()` of an engine provider: removes the pool's hosts when `stopOnClose`, then its own client. */
export async function closeEngineProvider(
  provider: ListingHostProvider,
  options: EngineProviderOptions<unknown>,
  client: DockerClient,
): Promise<void> {
  try {
    if (options.stopOnClose) {
      const hosts = await provider.listHosts();
      await Promise.all(hosts.map((h) => provider.destroy(h)));
    }
  } finally {
    if (options.client === undefined) await client.close();
  }
}
