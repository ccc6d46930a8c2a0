import { MAX_REQUEST_HEADERS, pathProblem } from '../../lib/request-rules.ts';
import { GatewayError } from '../errors.ts';
import { type RequestHeaders, readRequestHeaders } from '../headers.ts';
import {
  type AddressingMethod,
  assertRuntimeId,
  classifyPath,
  parseAddressing,
  type RoutePattern,
} from '../route.ts';
import { runtimeIdFromBody } from './body-key.ts';

/** What `resolveRequest` reads of a request: the parts of Node's IncomingMessage it needs. */
export interface RequestFacts {
  method: string | undefined;
  /** The request target as received. */
  url: string | undefined;
  rawHeaders: readonly string[];
  remoteAddress: string | undefined;
}

/** The gateway's rules for resolving a request. */
export interface ResolveRules {
  /** Checks the client's Authorization header (constant time). */
  authorized: (authorization: string | undefined) => boolean;
  /** `Bearer <executor secret>`, sent upstream in place of the client's Authorization. */
  upstreamAuthorization: string;
  /** Largest request body, bytes. */
  bodyLimit: number;
}

/** Everything decided about a forwarded request before any byte of its body is read. */
export interface RequestPlan {
  method: string;
  /** Path and query, forwarded as they came. */
  url: string;
  route: RoutePattern;
  addressing: AddressingMethod;
  /**
   * The runtime id the request is routed by: the `x-opr-runtime-id` header, else the path's
   * `:runtimeId` (the two must agree when both are given), else, for a create, the body's
   * `runtimeId` once read (`keyFromBody`).
   */
  key: string | undefined;
  /** Headers read and the list forwarded upstream. */
  headers: RequestHeaders;
  /** The request has a body (a length other than 0, or chunked). */
  hasBody: boolean;
  /**
   * The body must be read before the request is sent: a broadcast (sent to every host) or a create
   * without a runtime id header (its key is in the body).
   */
  buffer: boolean;
}

/** A request resolved: its plan, or the 4xx it gets (with the route and addressing known so far, for metrics). */
export type Resolution =
  | { ok: true; plan: RequestPlan }
  | { ok: false; error: GatewayError; route: RoutePattern; addressing: AddressingMethod | 'unknown' };

/**
 * Resolves one request to be forwarded: route, auth, header rules, path rules, addressing and the
 * runtime key (header or path; the body is the caller's to read when `buffer` says so). Pure: no
 * I/O, the same facts always give the same answer.
 */
export function resolveRequest(facts: RequestFacts, rules: ResolveRules): Resolution {
  const url = facts.url ?? '';
  let route: RoutePattern = 'other';
  let addressing: AddressingMethod | 'unknown' = 'unknown';
  try {
    if (url.charCodeAt(0) !== 47 /* / */)
      throw new GatewayError('GW_BAD_PATH', 'The request target must be a path.');
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const info = classifyPath(path);
    route = info.route;
    if (facts.rawHeaders.length > MAX_REQUEST_HEADERS * 2) {
      throw new GatewayError(
        'GW_TOO_MANY_HEADERS',
        `The request has more than ${MAX_REQUEST_HEADERS} headers.`,
      );
    }
    const h = readRequestHeaders(
      facts.rawHeaders,
      rules.upstreamAuthorization,
      facts.remoteAddress ?? '',
      'http',
    );
    if (h.repeated === 'authorization')
      throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect proxy key: send one Authorization header.');
    if (!rules.authorized(h.authorization)) throw new GatewayError('GW_UNAUTHORIZED', 'Incorrect proxy key.');
    if (h.repeated !== undefined)
      throw new GatewayError('GW_BAD_HEADERS', `The header ${h.repeated} must be sent at most once.`);
    // Checked where the executor checks it, so both read the same runtime id from the path.
    const problem = pathProblem(path);
    if (problem !== undefined) throw new GatewayError('GW_BAD_PATH', `Invalid path: ${problem}.`);
    const addressed = parseAddressing(h.addressing);
    addressing = addressed;
    const key = runtimeKey(h.runtimeId, info.pathRuntimeId);
    if (h.contentLength !== undefined && Number(h.contentLength) > rules.bodyLimit) {
      throw new GatewayError(
        'GW_BODY_TOO_LARGE',
        `Request body is larger than the limit of ${rules.bodyLimit} bytes.`,
      );
    }
    const method = facts.method ?? 'GET';
    const hasBody = h.chunked || (h.contentLength !== undefined && h.contentLength !== '0');
    const buffer =
      addressed === 'broadcast' || (key === undefined && method === 'POST' && info.route === '/v1/runtimes');
    return {
      ok: true,
      plan: { method, url, route: info.route, addressing: addressed, key, headers: h, hasBody, buffer },
    };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ok: false, error, route, addressing };
  }
}

/**
 * The runtime key from the `x-opr-runtime-id` header and the path's `:runtimeId`. The executor acts
 * on the path's runtime, so a header naming another runtime would route the request by one runtime
 * and run it as another (away from its warm host, and teaching the placement map the wrong host):
 * a header that differs from the path is refused with a 400 rather than silently preferred or
 * ignored. An empty header counts as absent, as in open-runtimes/proxy.
 */
export function runtimeKey(header: string | undefined, pathId: string | undefined): string | undefined {
  if (pathId !== undefined) assertRuntimeId(pathId, 'the path');
  if (header === undefined || header === '') return pathId;
  assertRuntimeId(header, 'x-opr-runtime-id');
  if (pathId !== undefined && header !== pathId) {
    throw new GatewayError(
      'GW_BAD_RUNTIME_ID',
      `x-opr-runtime-id ${JSON.stringify(header)} differs from the runtime id in the path ${JSON.stringify(pathId)}: send the same id, or leave the header out.`,
    );
  }
  return header;
}

/**
 * The key of a plan whose body was read: the body's `runtimeId` (every encoding the executor
 * accepts, with its duplicate-field rule) for a create without one in its headers; the plan's key
 * otherwise (a broadcast keeps the header's or path's).
 */
export function keyFromBody(plan: RequestPlan, body: Buffer | null): string | undefined {
  if (plan.key !== undefined || body === null || plan.addressing === 'broadcast') return plan.key;
  const fromBody = runtimeIdFromBody(body, plan.headers.contentType);
  return fromBody === undefined ? undefined : assertRuntimeId(fromBody, 'the body (runtimeId)');
}
