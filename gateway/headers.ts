/**
 * Header handling on the hot path: one pass over the client's raw headers picks out what the gateway
 * needs and builds the flat header list sent upstream; one pass over the upstream's raw headers builds
 * the list sent back. Hop-by-hop headers (RFC 9110 §7.6.1) never cross the gateway.
 */

/** Hop-by-hop headers plus the ones the gateway sets itself; lower case. */
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'authorization',
  'x-forwarded-for',
  'x-forwarded-proto',
  // Set by the gateway itself in development mode (open-runtimes/proxy's test header); never the client's.
  'x-opr-executor-hostname',
]);

const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** 1 at the lengths of the names in DROP_RESPONSE. */
const DROP_LENGTH = new Uint8Array(32);
for (const name of DROP_RESPONSE) DROP_LENGTH[name.length] = 1;

/** What the gateway reads from a request's headers, plus the list it forwards. */
export interface RequestHeaders {
  authorization: string | undefined;
  runtimeId: string | undefined;
  addressing: string | undefined;
  contentLength: string | undefined;
  contentType: string | undefined;
  /** The request body is chunked (no content-length). */
  chunked: boolean;
  /** Flat `[name, value, …]` list for undici, with the executor secret and x-forwarded-* set. */
  forward: string[];
  /**
   * A header the gateway reads that came more than once (authorization, x-opr-runtime-id,
   * x-opr-addressing-method, content-length): the request is refused, since the executor or
   * another reader could take the other copy. Undefined when none.
   */
  repeated: string | undefined;
}

/**
 * Reads the client's raw headers (`IncomingMessage.rawHeaders`) in one pass.
 * `upstreamAuthorization` replaces the client's Authorization; `clientIp`/`proto` set x-forwarded-*.
 */
export function readRequestHeaders(
  raw: readonly string[],
  upstreamAuthorization: string,
  clientIp: string,
  proto: string,
): RequestHeaders {
  // The executor secret goes first: a receiver that keeps only the first N headers (Node's
  // maxHeadersCount) must still see the gateway's own Authorization (issue 18).
  const forward: string[] = ['authorization', upstreamAuthorization];
  let repeated: string | undefined;
  let authorization: string | undefined;
  let runtimeId: string | undefined;
  let addressing: string | undefined;
  let contentLength: string | undefined;
  let contentType: string | undefined;
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let connectionTokens: string | undefined;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    switch (name) {
      case 'authorization':
        if (authorization !== undefined) repeated ??= name;
        authorization = value;
        continue;
      case 'x-opr-runtime-id':
        if (runtimeId !== undefined) repeated ??= name;
        runtimeId = value;
        break;
      case 'x-opr-addressing-method':
        if (addressing !== undefined) repeated ??= name;
        addressing = value;
        break;
      case 'content-length':
        if (contentLength !== undefined) repeated ??= name;
        contentLength = value;
        break;
      case 'content-type':
        contentType = value;
        break;
      case 'host':
        // Kept, as open-runtimes/proxy passes it: the executor hands it to the runtime (issue 13).
        if (host !== undefined) repeated ??= name;
        host = value;
        break;
      case 'transfer-encoding':
        chunked = true;
        continue;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'connection':
        connectionTokens = value;
        continue;
      default:
        if (DROP_REQUEST.has(name)) continue;
    }
    forward.push(name, value);
  }
  if (connectionTokens !== undefined) dropConnectionTokens(forward, connectionTokens);
  forward.push('x-forwarded-for', forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`);
  forward.push('x-forwarded-proto', proto);
  return { authorization, runtimeId, addressing, contentLength, contentType, chunked, forward, repeated };
}

/** Removes headers named in the client's `Connection` header (they are hop-by-hop too). */
function dropConnectionTokens(forward: string[], tokens: string): void {
  for (const token of tokens.split(',')) {
    const t = token.trim().toLowerCase();
    if (t === '' || t === 'keep-alive' || t === 'close') continue;
    for (let i = forward.length - 2; i >= 0; i -= 2) {
      if (forward[i] === t) forward.splice(i, 2);
    }
  }
}

/**
 * Converts undici's raw response headers (Buffers) to the flat list `ServerResponse.writeHead` takes,
 * without hop-by-hop headers, plus `x-fleetgate-host` when `hostId` is given.
 */
export function responseHeaders(
  raw: readonly Buffer[] | readonly string[],
  hostId: string | undefined,
): string[] {
  const out: string[] = [];
  let connectionTokens: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    // Lower-case only names as long as a hop-by-hop one: most headers skip the allocation.
    if (DROP_LENGTH[name.length] === 1) {
      const lower = name.toLowerCase();
      if (DROP_RESPONSE.has(lower)) {
        if (lower === 'connection') connectionTokens = raw[i + 1]!.toString('latin1');
        continue;
      }
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (connectionTokens !== undefined) {
    for (const token of connectionTokens.split(',')) {
      const t = token.trim().toLowerCase();
      if (t === '' || t === 'keep-alive' || t === 'close') continue;
      for (let i = out.length - 2; i >= 0; i -= 2) if (out[i]!.toLowerCase() === t) out.splice(i, 2);
    }
  }
  if (hostId !== undefined) out.push('x-fleetgate-host', hostId);
  return out;
}

/**
 * `headers` (a flat name/value list) plus `x-opr-executor-hostname: <host>`, the header
 * open-runtimes/proxy adds in development mode so a test executor can tell which host it is.
 */
export function withHostname(headers: readonly string[], host: string): string[] {
  return [...headers, 'x-opr-executor-hostname', host];
}
