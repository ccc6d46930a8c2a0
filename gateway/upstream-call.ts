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
