import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { type EngineOperation, engineError, transportError } from './error-map.ts';

/**
 * The Engine API version every path is pinned to: Docker 20.10 (Debian 12's docker.io) speaks 1.41,
 * and newer engines still accept it, so one request format works on both.
 */
export const ENGINE_API_VERSION = '1.41';

/** One Engine API request. */
export interface EngineRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path below the version prefix, e.g. `/containers/create`; `/_ping` is sent unversioned too. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body (sent as application/json), or a raw stream/buffer with `contentType`. */
  json?: unknown;
  body?: Buffer | Readable;
  contentType?: string;
  headers?: Record<string, string>;
  /** Headers timeout for this call (ms); default the transport's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A successful answer (2xx or 304) with its body read whole. */
export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A successful answer whose body is left to stream. */
export interface EngineStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/**
 * Plain HTTP over the engine's unix socket with an undici Pool (keep-alive connections).
 * Every failure becomes a DockerError: an error answer through `engineError`, a socket failure
 * through `transportError`, both naming the operation.
 */
export class EngineTransport {
  readonly socketPath: string;
  readonly #client: Pool;
  readonly #timeoutMs: number;

  constructor(socketPath: string, options: { timeoutMs?: number } = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    // A pool, not one connection: `wait`, `logs --follow` and `events` hold theirs open for long.
    // The host part is never resolved with a socketPath; `docker` is what the CLI sends.
    this.#client = new Pool('http://docker', {
      socketPath,
      connect: { timeout: 5_000 },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: 0,
    });
  }

  /** Sends a request and reads the whole body; throws a DockerError on any non-2xx answer. */
  async request(op: EngineOperation, req: EngineRequest): Promise<EngineResponse> {
    const res = await this.stream(op, req);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
    } catch (error) {
      throw transportError(op, this.socketPath, error);
    }
    return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
  }

  /** Sends a request and returns the body as a stream; throws a DockerError on any non-2xx answer. */
  async stream(op: EngineOperation, req: EngineRequest): Promise<EngineStream> {
    const headers: Record<string, string> = { ...req.headers };
    let body: Buffer | Readable | undefined = req.body;
    if (req.json !== undefined) {
      body = Buffer.from(JSON.stringify(req.json));
      headers['content-type'] = 'application/json';
    } else if (req.contentType) headers['content-type'] = req.contentType;
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.#client.request({
        method: req.method,
        path: versioned(req.path) + queryString(req.query),
        headers,
        body: body ?? null,
        headersTimeout: req.timeoutMs ?? this.#timeoutMs,
        signal: req.signal ?? null,
      });
    } catch (error) {
      throw transportError(op, this.socketPath, error);
    }
    if (res.statusCode >= 300 && res.statusCode !== 304) {
      let text = '';
      try {
        text = await res.body.text();
      } catch {
        // the status alone still names the failure
      }
      throw engineError(op, res.statusCode, messageOf(text));
    }
    return { status: res.statusCode, headers: res.headers, body: res.body as unknown as Readable };
  }

  /** Closes the connection pool (idempotent). */
  async close(): Promise<void> {
    if (!this.#client.closed && !this.#client.destroyed) await this.#client.close();
  }
}

function versioned(path: string): string {
  return `/v${ENGINE_API_VERSION}${path}`;
}

function queryString(query: EngineRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The engine's error bodies are `{"message": "..."}`; anything else is shown as it came. */
function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 500);
}
