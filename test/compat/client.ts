import { encodeMultipart } from '../../executor/multipart.ts';
import { readMultipartBytes } from '../executor/multipart-client.ts';

/** A response as the real suite's client sees it: status, lower-case headers, parsed body. */
export interface CompatResponse {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: the suite's assertions read arbitrary JSON
  body: any;
  /** Multipart parts as bytes (a binary body stays bytes). */
  parts?: Record<string, Buffer>;
}

/**
 * A client shaped like open-runtimes/executor's `tests/e2e/Client.php`: base headers
 * `content-type: application/json` and `x-executor-response-format: 0.11.0`, the key as
 * `Authorization: Bearer <key>`, params sent as JSON (`[]` when there are none, as PHP encodes an
 * empty array; multipart when the content type says so),
 * and JSON or multipart responses parsed.
 *
 * With `appwrite` set (a client of the gateway), it also sends the routing headers Appwrite's
 * executor client (src/Executor/Executor.php) sends to open-runtimes/proxy: `x-opr-addressing-method:
 * anycast-efficient` on every call, `broadcast` to delete a runtime, and `x-opr-runtime-id` on calls
 * about one runtime (create, get, logs, executions, commands).
 */
export class CompatClient {
  constructor(
    private readonly endpoint: string,
    public key: string,
    private readonly appwrite = false,
  ) {}

  /** The URL of a call: GET params go in the query string, as the real client sends them. */
  private url(method: string, path: string, params?: Record<string, unknown>): string {
    const query =
      method === 'GET' && params !== undefined && Object.keys(params).length > 0
        ? `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`
        : '';
    return `${this.endpoint}/v1${path}${query}`;
  }

  /**
   * A GET whose body is read as it comes, like the real client's call with a callback (the logs
   * route): the status, every chunk as text, and when the body ended (`performance.now()`).
   */
  async stream(
    path: string,
    params?: Record<string, unknown>,
  ): Promise<{ status: number; chunks: string[]; endedAt: number }> {
    const res = await fetch(this.url('GET', path, params), {
      headers: {
        'content-type': 'application/json',
        'x-executor-response-format': '0.11.0',
        authorization: `Bearer ${this.key}`,
        ...(this.appwrite ? appwriteHeaders('GET', path) : {}),
      },
    });
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) chunks.push(decoder.decode(chunk, { stream: true }));
    return { status: res.status, chunks, endedAt: performance.now() };
  }

  async call(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    params?: Record<string, unknown>,
  ): Promise<CompatResponse> {
    const h: Record<string, string> = {
      'content-type': 'application/json',
      'x-executor-response-format': '0.11.0',
      authorization: `Bearer ${this.key}`,
      ...(this.appwrite ? appwriteHeaders(method, path, params) : {}),
      ...headers,
    };
    let body: Buffer | string | undefined;
    // PHP's json_encode([]) — what the real client sends for no params — is `[]`.
    if (method !== 'GET' && (params === undefined || Object.keys(params).length === 0)) body = '[]';
    else if (params !== undefined && method !== 'GET') {
      if (h['content-type']!.startsWith('multipart/form-data')) {
        const boundary = `----compat${Date.now().toString(16)}`;
        h['content-type'] = `multipart/form-data; boundary=${boundary}`;
        const fields: Record<string, string | Buffer | { json: unknown }> = {};
        for (const [k, v] of Object.entries(params)) {
          fields[k] =
            Buffer.isBuffer(v) || typeof v === 'string' ? v : typeof v === 'object' ? { json: v } : String(v);
        }
        body = encodeMultipart(fields, boundary);
      } else body = JSON.stringify(params);
    }
    const res = await fetch(this.url(method, path, params), { method, headers: h, body });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k] = v;
    });
    const type = out['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const parts = await readMultipartBytes(res);
      const text = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.toString('utf8')]));
      return { status: res.status, headers: out, body: text, parts };
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (type.startsWith('application/json')) parsed = text === '' ? '' : JSON.parse(text);
    return { status: res.status, headers: out, body: parsed };
  }
}

/** The routing headers Appwrite adds to a call (see CompatClient). */
export function appwriteHeaders(
  method: string,
  path: string,
  params?: Record<string, unknown>,
): Record<string, string> {
  const id = /^\/runtimes\/([^/?]+)/.exec(path)?.[1];
  if (method === 'DELETE' && id !== undefined && path === `/runtimes/${id}`)
    return { 'x-opr-addressing-method': 'broadcast' };
  const runtimeId = id ?? (path === '/runtimes' && method === 'POST' ? params?.runtimeId : undefined);
  return {
    'x-opr-addressing-method': 'anycast-efficient',
    ...(typeof runtimeId === 'string' ? { 'x-opr-runtime-id': runtimeId } : {}),
  };
}
