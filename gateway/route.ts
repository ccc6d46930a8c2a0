import { isValidRuntimeId } from '../lib/request-rules.ts';
import { GatewayError } from './errors.ts';

/** Route patterns of the executor API, used as the bounded `route` metric label. */
export type RoutePattern =
  | '/v1/runtimes'
  | '/v1/runtimes/:runtimeId'
  | '/v1/runtimes/:runtimeId/executions'
  | '/v1/runtimes/:runtimeId/logs'
  | '/v1/runtimes/:runtimeId/commands'
  | '/v1/runtimes/:runtimeId/*'
  | '/v1/health'
  | 'other';

/** What the path says about a request. */
export interface RouteInfo {
  route: RoutePattern;
  /** The `:runtimeId` path segment, when there is one (not yet validated). */
  pathRuntimeId: string | undefined;
}

const PREFIX = '/v1/runtimes';

/**
 * Classifies a request path (without the query) into a route pattern and its runtime id segment.
 * Pure string work, no regex on the hot path.
 */
export function classifyPath(path: string): RouteInfo {
  if (!path.startsWith(PREFIX)) {
    return { route: path === '/v1/health' ? '/v1/health' : 'other', pathRuntimeId: undefined };
  }
  if (path.length === PREFIX.length || (path.length === PREFIX.length + 1 && path.endsWith('/'))) {
    return { route: '/v1/runtimes', pathRuntimeId: undefined };
  }
  if (path.charCodeAt(PREFIX.length) !== 47 /* / */) return { route: 'other', pathRuntimeId: undefined };
  const start = PREFIX.length + 1;
  const slash = path.indexOf('/', start);
  const id = slash === -1 ? path.slice(start) : path.slice(start, slash);
  if (slash === -1 || slash === path.length - 1)
    return { route: '/v1/runtimes/:runtimeId', pathRuntimeId: id };
  const rest = path.slice(slash + 1);
  const route: RoutePattern =
    rest === 'executions' || rest === 'execution'
      ? '/v1/runtimes/:runtimeId/executions'
      : rest === 'logs'
        ? '/v1/runtimes/:runtimeId/logs'
        : rest === 'commands'
          ? '/v1/runtimes/:runtimeId/commands'
          : '/v1/runtimes/:runtimeId/*';
  return { route, pathRuntimeId: id };
}

/** Throws a 400 naming the problem when `id` is not a valid runtime id. */
export function assertRuntimeId(id: string, where: string): string {
  if (!isValidRuntimeId(id)) {
    const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
    throw new GatewayError(
      'GW_BAD_RUNTIME_ID',
      `Invalid runtime id in ${where}: ${JSON.stringify(shown)} (expected 1-64 characters of A-Z a-z 0-9 . _ -, not . or ..).`,
    );
  }
  return id;
}

/** The addressing methods a client may ask for with `x-opr-addressing-method`. */
export type AddressingMethod = 'anycast-efficient' | 'anycast-fast' | 'broadcast';

/** Parses `x-opr-addressing-method` (absent or empty → `anycast-efficient`); 400 otherwise. */
export function parseAddressing(value: string | undefined): AddressingMethod {
  if (value === undefined || value === '' || value === 'anycast-efficient') return 'anycast-efficient';
  if (value === 'anycast-fast' || value === 'broadcast') return value;
  throw new GatewayError(
    'GW_BAD_ADDRESSING',
    `Unknown x-opr-addressing-method ${JSON.stringify(value.slice(0, 64))}: expected anycast-efficient, anycast-fast or broadcast.`,
  );
}
