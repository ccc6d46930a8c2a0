import { RegistryError } from './errors.ts';

/** A Redis node address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where and how to reach Redis, parsed from a URL. */
export type RedisTarget =
  | ({ kind: 'standalone'; db: number } & RedisNode & RedisAuth)
  | ({ kind: 'cluster'; nodes: RedisNode[] } & RedisAuth);

interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
}

/** Standard Redis port, used when a URL names none. */
export const DEFAULT_REDIS_PORT = 6379;

const SCHEMES: Record<string, { kind: RedisTarget['kind']; tls: boolean }> = {
  'redis:': { kind: 'standalone', tls: false },
  'rediss:': { kind: 'standalone', tls: true },
  'redis-cluster:': { kind: 'cluster', tls: false },
  'rediss-cluster:': { kind: 'cluster', tls: true },
};

/** A reason a Redis URL is malformed, thrown inside `parseTarget`. */
class Malformed {
  constructor(readonly reason: string) {}
}

/**
 * Parses `redis://[user[:password]@]host[:port][/db]`, `rediss://…` (TLS),
 * `redis-cluster://[user[:password]@]h1:p1,h2:p2` and `rediss-cluster://…` (TLS).
 * Anything else throws REGISTRY_INVALID_CONFIG naming the (redacted) URL and what is wrong with it.
 */
export function parseRedisUrl(url: string, field = 'registry.url'): RedisTarget {
  const target = readRedisUrl(url);
  if ('error' in target) {
    throw new RegistryError(
      'REGISTRY_INVALID_CONFIG',
      // Never the URL nor a part of it: a malformed URL may hold a password where no redactor finds it.
      `${field}: malformed Redis URL: ${target.error}`,
    );
  }
  return target;
}

/**
 * The same parse as `parseRedisUrl`, returning what is wrong instead of throwing: the one Redis URL
 * grammar, shared by the configuration schema and the registry.
 */
export function readRedisUrl(url: string): RedisTarget | { error: string } {
  try {
    return parseTarget(url);
  } catch (error) {
    if (error instanceof Malformed) return { error: error.reason };
    throw error;
  }
}

function parseTarget(url: string): RedisTarget {
  const fail = (reason: string): never => {
    throw new Malformed(reason);
  };
  const match = /^([a-z][a-z-]*:)\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!match) return fail('expected scheme://[user:password@]host[:port][/db]');
  const [, rawScheme = '', auth, hostPart = '', path, query] = match;
  const scheme = SCHEMES[rawScheme.toLowerCase()];
  if (!scheme) return fail(`scheme must be one of ${Object.keys(SCHEMES).join(' ')}`);
  if (query !== undefined)
    return fail(
      'query parameters are not supported (give the password in the user part or registry.password)',
    );

  const credentials: RedisAuth = { tls: scheme.tls };
  if (auth !== undefined && auth !== '') {
    const colon = auth.indexOf(':');
    const user = decode(colon < 0 ? auth : auth.slice(0, colon), fail);
    const password = colon < 0 ? undefined : decode(auth.slice(colon + 1), fail);
    // `redis://secret@host` is the old "password only" form: treat a lone user part as the password.
    if (colon < 0) credentials.password = user;
    else {
      if (user) credentials.username = user;
      if (password) credentials.password = password;
    }
  }
  const nodes = hostPart.split(',').map((part) => parseNode(part, fail));
  if (scheme.kind === 'cluster') {
    if (path) return fail('a cluster URL takes no database number');
    return { kind: 'cluster', nodes, ...credentials };
  }
  if (nodes.length !== 1) return fail('only redis-cluster:// URLs may list several nodes');
  let db = 0;
  if (path !== undefined && path !== '') {
    if (!/^\d{1,2}$/.test(path)) return fail('database must be a number 0-99');
    db = Number(path);
  }
  return { kind: 'standalone', ...(nodes[0] as RedisNode), db, ...credentials };
}

/** Parses `host:port` (port optional; IPv6 in brackets). */
export function parseNode(part: string, fail: (reason: string) => never): RedisNode {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d+))?$/.exec(part);
  if (!match) return fail('each node must be host[:port]');
  const [, host = '', port] = match;
  const n = port === undefined ? DEFAULT_REDIS_PORT : Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return fail('port must be 1-65535');
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: n };
}

function decode(value: string, fail: (reason: string) => never): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return fail('credentials are not valid percent-encoding');
  }
}
