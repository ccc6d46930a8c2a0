import type { Dispatcher } from 'undici';

/** A small buffered request to a host (health probe, resync, broadcast); never on the hot path. */
export interface UpstreamCall {
  method: string;
  path: string;
  headers?: string[] | Record<string, string>;
  body?: Buffer | null;
  /** Total deadline in ms. */
  timeout: number;
  /** Read at most this many bytes of the response body. */
  maxBody?: number;
}

/** The answer of an `UpstreamCall`. */
export interface UpstreamAnswer {
  status: number;
  body: Buffer;
}

/** Sends one buffered request with a total deadline; rejects on connect errors and timeouts. */
export async function callUpstream(dispatcher: Dispatcher, call: UpstreamCall): Promise<UpstreamAnswer> {
  const signal = AbortSignal.timeout(call.timeout);
  const response = await dispatcher.request({
    method: call.method as Dispatcher.HttpMethod,
    path: call.path,
    headers: call.headers,
    body: call.body ?? null,
    signal,
    headersTimeout: call.timeout,
    bodyTimeout: call.timeout,
  });
  const limit = call.maxBody ?? 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buf = chunk as Buffer;
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
  }
  return { status: response.statusCode, body: Buffer.concat(chunks) };
}

/** A short kind for an upstream error, for metrics and logs: connect, timeout, reset, aborted, other. */
export function errorKind(error: unknown): 'connect' | 'timeout' | 'reset' | 'aborted' | 'other' {
  const e = error as { code?: unknown; name?: unknown } | null;
  // AbortSignal.timeout() aborts with a DOMException whose `code` is a number (23), not a string.
  if (e?.name === 'TimeoutError') return 'timeout';
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND') {
    return 'connect';
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect';
  if (code.endsWith('TIMEOUT')) return 'timeout';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  if (code === 'UND_ERR_ABORTED' || e?.name === 'AbortError') return 'aborted';
  return 'other';
}
