import { labelFilters } from './container-spec.ts';
import { ContainerApi } from './containers.ts';
import { ImageApi } from './images.ts';
import { readJsonLines } from './json-lines.ts';
import { NetworkApi } from './networks.ts';
import { SwarmApi } from './swarm.ts';
import { EngineTransport } from './transport.ts';
import type { EngineEvent, EngineVersion } from './types.ts';

export { DEFAULT_DOCKER_SOCKET } from './defaults.ts';

/** Options of {@link createDockerClient}. */
export interface DockerClientOptions {
  /** The engine's unix socket path. */
  socketPath: string;
  /** Headers timeout of ordinary calls (ms); long calls (wait, follow, build) set their own. */
  timeoutMs?: number;
}

/**
 * A Docker Engine API client over the engine's unix socket (plain HTTP with undici, API 1.41).
 * `containers`, `images` and `networks` group the calls; every failure is a DockerError with a
 * stable code that names what failed.
 */
export class DockerClient {
  readonly socketPath: string;
  readonly containers: ContainerApi;
  readonly images: ImageApi;
  readonly networks: NetworkApi;
  /** Swarm membership, services, tasks and nodes. */
  readonly swarm: SwarmApi;
  readonly #t: EngineTransport;

  constructor(options: DockerClientOptions) {
    this.socketPath = options.socketPath;
    this.#t = new EngineTransport(
      options.socketPath,
      options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
    );
    this.containers = new ContainerApi(this.#t);
    this.images = new ImageApi(this.#t);
    this.networks = new NetworkApi(this.#t);
    this.swarm = new SwarmApi(this.#t);
  }

  /** `GET /_ping`: resolves when the engine answers `OK`; fails `engine_unreachable` otherwise. */
  async ping(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.#t.request(
      { action: 'ping the engine' },
      { method: 'GET', path: '/_ping', timeoutMs: options.timeoutMs ?? 5_000 },
    );
  }

  /** The engine's version and API range. */
  async version(): Promise<EngineVersion> {
    const res = await this.#t.request(
      { action: 'read the engine version' },
      { method: 'GET', path: '/version' },
    );
    const raw = JSON.parse(res.body.toString());
    return {
      version: raw.Version,
      apiVersion: raw.ApiVersion,
      minApiVersion: raw.MinAPIVersion ?? '',
      os: raw.Os,
      arch: raw.Arch,
      kernelVersion: raw.KernelVersion ?? '',
    };
  }

  /**
   * Streams engine events (`GET /events`) for containers carrying the labels, from now until
   * `signal` aborts or the engine goes away (then the promise rejects `engine_unreachable`).
   */
  async events(
    labels: Record<string, string | true>,
    onEvent: (event: EngineEvent) => void,
    options: { signal?: AbortSignal; types?: string[] } = {},
  ): Promise<void> {
    const filters: Record<string, string[]> = {
      ...labelFilters(labels),
      type: options.types ?? ['container'],
    };
    const res = await this.#t.stream(
      { action: 'follow engine events' },
      {
        method: 'GET',
        path: '/events',
        query: { filters: JSON.stringify(filters) },
        timeoutMs: 0,
        signal: options.signal,
      },
    );
    try {
      await readJsonLines(res.body, (raw) => {
        const actor = (raw.Actor ?? {}) as { ID?: string; Attributes?: Record<string, string> };
        onEvent({
          type: String(raw.Type ?? ''),
          action: String(raw.Action ?? raw.status ?? ''),
          id: String(actor.ID ?? raw.id ?? ''),
          attributes: actor.Attributes ?? {},
          timeNano: Number(raw.timeNano ?? 0),
        });
      });
    } catch (error) {
      if (!options.signal?.aborted) throw error;
    }
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.#t.close();
  }
}

/** A client for the engine at `socketPath`. */
export function createDockerClient(options: DockerClientOptions): DockerClient {
  return new DockerClient(options);
}
