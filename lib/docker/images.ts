import type { Readable } from 'node:stream';
import { DockerError } from './errors.ts';
import { progressError, readJsonLines } from './json-lines.ts';
import type { EngineTransport } from './transport.ts';
import type { ImageInfo } from './types.ts';

/** Options of `build`. */
export interface BuildOptions {
  /** `repo:tag` to give the result. */
  tag: string;
  /** Path of the Dockerfile inside the context; default `Dockerfile`. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Network of the build's RUN steps (`host` to reach a package registry from the host's network). */
  networkMode?: string;
  /** Called with every line of build output. */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

/** Image calls of the Engine API. Nothing is ever pulled: every image must be in the store. */
export class ImageApi {
  readonly #t: EngineTransport;
  constructor(transport: EngineTransport) {
    this.#t = transport;
  }

  /** The image's id, tags and labels; fails `image_not_found` when absent. */
  async inspect(name: string): Promise<ImageInfo> {
    const res = await this.#t.request(
      { action: 'inspect image', target: name },
      { method: 'GET', path: `/images/${encodeURIComponent(name)}/json` },
    );
    const raw = JSON.parse(res.body.toString());
    return {
      id: raw.Id,
      repoTags: raw.RepoTags ?? [],
      labels: raw.Config?.Labels ?? {},
      size: raw.Size ?? 0,
      created: raw.Created ?? '',
    };
  }

  /** The image's info, or undefined when the engine does not have it. */
  async find(name: string): Promise<ImageInfo | undefined> {
    try {
      return await this.inspect(name);
    } catch (error) {
      if ((error as DockerError).kind === 'image_not_found') return undefined;
      throw error;
    }
  }

  /**
   * Imports a root filesystem tarball as image `repo:tag` (`docker import`). `changes` are
   * Dockerfile instructions applied on top (`CMD ["node"]`, `LABEL k=v`, `ENV …`, `WORKDIR …`).
   */
  async import(
    tar: Buffer | Readable,
    reference: string,
    options: { changes?: string[]; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { repo, tag } = splitReference(reference);
    const params = new URLSearchParams({ fromSrc: '-', repo, tag });
    for (const change of options.changes ?? []) params.append('changes', change);
    // `changes` repeats, which the transport's query object cannot say: build the path here.
    const op = { action: 'import image', target: reference };
    const res = await this.#t.stream(op, {
      method: 'POST',
      path: `/images/create?${params}`,
      body: tar,
      contentType: 'application/x-tar',
      timeoutMs: 300_000,
      signal: options.signal,
    });
    let failure: string | undefined;
    await readJsonLines(res.body, (value) => {
      failure ??= progressError(value);
    });
    if (failure)
      throw new DockerError('engine_error', `docker: import image ${reference} failed: ${failure}`);
  }

  /** Builds an image from a tar build context (`docker build`); resolves with the image id. */
  async build(context: Buffer | Readable, options: BuildOptions): Promise<string> {
    const res = await this.#t.stream(
      { action: 'build image', target: options.tag },
      {
        method: 'POST',
        path: '/build',
        query: {
          t: options.tag,
          dockerfile: options.dockerfile,
          buildargs: options.buildArgs ? JSON.stringify(options.buildArgs) : undefined,
          labels: options.labels ? JSON.stringify(options.labels) : undefined,
          networkmode: options.networkMode,
          rm: true,
          forcerm: true,
        },
        body: context,
        contentType: 'application/x-tar',
        timeoutMs: 600_000,
        signal: options.signal,
      },
    );
    let failure: string | undefined;
    let id = '';
    const tail: string[] = [];
    await readJsonLines(res.body, (value) => {
      failure ??= progressError(value);
      const aux = value.aux as { ID?: unknown } | undefined;
      if (typeof aux?.ID === 'string') id = aux.ID;
      const line =
        typeof value.stream === 'string' ? value.stream : typeof value.raw === 'string' ? value.raw : '';
      for (const l of line.split('\n')) {
        if (l.trim() === '') continue;
        options.onOutput?.(l);
        tail.push(l);
        if (tail.length > 20) tail.shift();
      }
    });
    if (failure) {
      throw new DockerError(
        'build_failed',
        `docker: build image ${options.tag} failed: ${failure}\n${tail.join('\n')}`,
      );
    }
    return id || (await this.inspect(options.tag)).id;
  }

  /** Removes an image (`force` untags it even if a stopped container uses it). */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#t.request(
      { action: 'remove image', target: name },
      {
        method: 'DELETE',
        path: `/images/${encodeURIComponent(name)}`,
        query: { force: options.force ?? false },
      },
    );
  }
}

/** `repo:tag` → its parts (`latest` when untagged); a registry port's colon is not a tag. */
export function splitReference(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}
