import type { Readable } from 'node:stream';
import { type ContainerSpec, createBody, labelFilters } from './container-spec.ts';
import { demuxLogs, LogDemuxer } from './demux.ts';
import type { EngineTransport } from './transport.ts';
import type { ContainerInfo, ContainerSummary } from './types.ts';

/** Options of `logs`. */
export interface LogsOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Only lines after this Unix time (seconds). */
  since?: number;
}

/** Container calls of the Engine API. Every failure is a DockerError naming the container. */
export class ContainerApi {
  readonly #t: EngineTransport;
  constructor(transport: EngineTransport) {
    this.#t = transport;
  }

  /** Creates a container (not started); returns its id. Fails `image_not_found` when the image is absent. */
  async create(spec: ContainerSpec): Promise<string> {
    const res = await this.#t.request(
      {
        action: 'create container from image',
        target: spec.image + (spec.name ? ` (name ${spec.name})` : ''),
      },
      {
        method: 'POST',
        path: '/containers/create',
        query: { name: spec.name },
        json: createBody(spec),
      },
    );
    return (JSON.parse(res.body.toString()) as { Id: string }).Id;
  }

  /** Starts a created or stopped container; a running one is left as it is. */
  async start(id: string): Promise<void> {
    await this.#t.request(
      { action: 'start container', target: id },
      { method: 'POST', path: `/containers/${enc(id)}/start` },
    );
  }

  /** Stops a container: its stop signal, then SIGKILL after `timeoutS` (the engine's default when absent). */
  async stop(id: string, timeoutS?: number): Promise<void> {
    await this.#t.request(
      { action: 'stop container', target: id },
      {
        method: 'POST',
        path: `/containers/${enc(id)}/stop`,
        query: { t: timeoutS },
        timeoutMs: ((timeoutS ?? 10) + 30) * 1000,
      },
    );
  }

  /** Sends a signal (default SIGKILL) to a running container. */
  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.#t.request(
      { action: 'kill container', target: id },
      { method: 'POST', path: `/containers/${enc(id)}/kill`, query: { signal } },
    );
  }

  /**
   * Removes a container (`force` kills it first if running) with its anonymous volumes.
   * A container already gone is not an error unless `mustExist`.
   */
  async remove(id: string, options: { force?: boolean; mustExist?: boolean } = {}): Promise<void> {
    try {
      await this.#t.request(
        { action: 'remove container', target: id },
        {
          method: 'DELETE',
          path: `/containers/${enc(id)}`,
          query: { force: options.force ?? true, v: true },
        },
      );
    } catch (error) {
      const kind = (error as { kind?: string }).kind;
      // 409 "removal already in progress" means it is going away: as good as removed.
      if (!options.mustExist && (kind === 'container_not_found' || isRemovalInProgress(error))) return;
      throw error;
    }
  }

  /** The container's state, labels and addresses. */
  async inspect(id: string): Promise<ContainerInfo> {
    const res = await this.#t.request(
      { action: 'inspect container', target: id },
      { method: 'GET', path: `/containers/${enc(id)}/json` },
    );
    return toInfo(JSON.parse(res.body.toString()));
  }

  /** Containers carrying every given label (`true` = the label with any value); stopped ones too unless `running`. */
  async list(
    labels: Record<string, string | true>,
    options: { running?: boolean } = {},
  ): Promise<ContainerSummary[]> {
    const res = await this.#t.request(
      { action: 'list containers' },
      {
        method: 'GET',
        path: '/containers/json',
        query: { all: !options.running, filters: JSON.stringify(labelFilters(labels)) },
      },
    );
    return (JSON.parse(res.body.toString()) as RawSummary[]).map((c) => ({
      id: c.Id,
      names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
      image: c.Image,
      state: c.State,
      labels: c.Labels ?? {},
      created: c.Created,
    }));
  }

  /** The container's output so far, stdout and stderr apart (containers without a TTY). */
  async logs(id: string, options: LogsOptions = {}): Promise<{ stdout: string; stderr: string }> {
    const res = await this.#t.request(
      { action: 'read logs of container', target: id },
      {
        method: 'GET',
        path: `/containers/${enc(id)}/logs`,
        query: { stdout: true, stderr: true, tail: options.tail, since: options.since },
      },
    );
    return demuxLogs(res.body);
  }

  /**
   * Follows the container's output until it stops or `signal` aborts; `onData` gets each piece.
   * Resolves when the stream ends.
   */
  async followLogs(
    id: string,
    onData: (stream: 'stdout' | 'stderr', data: Buffer) => void,
    options: { signal?: AbortSignal; since?: number } = {},
  ): Promise<void> {
    const res = await this.#t.stream(
      { action: 'follow logs of container', target: id },
      {
        method: 'GET',
        path: `/containers/${enc(id)}/logs`,
        query: { stdout: true, stderr: true, follow: true, since: options.since },
        timeoutMs: 0,
        signal: options.signal,
      },
    );
    const demux = new LogDemuxer(onData);
    try {
      for await (const chunk of res.body as Readable) demux.push(chunk as Buffer);
    } catch (error) {
      if (!options.signal?.aborted) throw error;
    }
  }

  /**
   * Waits until the container is not running (or `condition`), returning its exit code.
   * Holds one connection for as long as it waits; abort with `signal`.
   */
  async wait(
    id: string,
    options: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {},
  ): Promise<{ exitCode: number; error: string }> {
    const res = await this.#t.request(
      { action: 'wait for container', target: id },
      {
        method: 'POST',
        path: `/containers/${enc(id)}/wait`,
        query: { condition: options.condition ?? 'not-running' },
        timeoutMs: 0,
        signal: options.signal,
      },
    );
    const body = JSON.parse(res.body.toString()) as {
      StatusCode: number;
      Error?: { Message?: string } | null;
    };
    return { exitCode: body.StatusCode, error: body.Error?.Message ?? '' };
  }

  /** Copies a tar archive into the container, extracted under `path` (which must exist). */
  async putArchive(id: string, path: string, tar: Buffer | Readable): Promise<void> {
    await this.#t.request(
      { action: `copy files to ${path} in container`, target: id },
      {
        method: 'PUT',
        path: `/containers/${enc(id)}/archive`,
        query: { path },
        body: tar,
        contentType: 'application/x-tar',
      },
    );
  }

  /** Reads `path` out of the container as a tar archive stream. */
  async getArchive(id: string, path: string): Promise<Readable> {
    const res = await this.#t.stream(
      { action: `copy ${path} out of container`, target: id },
      { method: 'GET', path: `/containers/${enc(id)}/archive`, query: { path } },
    );
    return res.body;
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function isRemovalInProgress(error: unknown): boolean {
  return /removal of container .* is already in progress/i.test((error as Error).message ?? '');
}

interface RawSummary {
  Id: string;
  Names?: string[];
  Image: string;
  State: string;
  Labels?: Record<string, string>;
  Created: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the engine's inspect document is large and loosely typed
function toInfo(raw: any): ContainerInfo {
  const networks: ContainerInfo['networks'] = {};
  for (const [name, net] of Object.entries(raw.NetworkSettings?.Networks ?? {}))
    networks[name] = { ipAddress: (net as { IPAddress?: string }).IPAddress ?? '' };
  const ports: ContainerInfo['ports'] = {};
  for (const [key, list] of Object.entries(raw.NetworkSettings?.Ports ?? {}))
    ports[key] = ((list as { HostIp: string; HostPort: string }[] | null) ?? []).map((b) => ({
      hostIp: b.HostIp,
      hostPort: Number(b.HostPort),
    }));
  const s = raw.State ?? {};
  return {
    id: raw.Id,
    name: String(raw.Name ?? '').replace(/^\//, ''),
    image: raw.Config?.Image ?? raw.Image,
    labels: raw.Config?.Labels ?? {},
    state: {
      status: s.Status ?? '',
      running: Boolean(s.Running),
      exitCode: s.ExitCode ?? 0,
      oomKilled: Boolean(s.OOMKilled),
      pid: s.Pid ?? 0,
      error: s.Error ?? '',
      startedAt: s.StartedAt ?? '',
      finishedAt: s.FinishedAt ?? '',
    },
    networks,
    ports,
    networkMode: raw.HostConfig?.NetworkMode ?? '',
    limits: {
      memoryBytes: raw.HostConfig?.Memory ?? 0,
      cpus: (raw.HostConfig?.NanoCpus ?? 0) / 1e9,
      pids: raw.HostConfig?.PidsLimit ?? 0,
    },
  };
}
