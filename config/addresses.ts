/** A parsed `host[:port]`. */
export interface HostPort {
  host: string;
  port: number | undefined;
}

// A DNS name or IPv4 address (letters, digits, dots, hyphens, underscores as Docker service names
// use them), or a bracketed IPv6 address, then an optional port.
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

/** Parses `host[:port]` (no scheme, no path); undefined when it is not one, or the port is out of range. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return { host: match[1]!, port };
}

/**
 * Normalises an executor address to a base URL without a trailing slash: `host[:port]` becomes
 * `http://host[:port]` (as open-runtimes/proxy does), `http(s)://…` is kept. Undefined when invalid.
 */
export function executorUrl(text: string): string | undefined {
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    if (!url.hostname || url.username || url.password || url.search || url.hash) return undefined;
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  }
  const hostPort = parseHostPort(text);
  if (!hostPort) return undefined;
  return `http://${hostPort.host}${hostPort.port === undefined ? '' : `:${hostPort.port}`}`;
}

/** What a Redis URL names: one server (`redis://`, `rediss://` for TLS) or a cluster's seed nodes. */
export interface RedisTarget {
  kind: 'standalone' | 'cluster';
  tls: boolean;
  nodes: { host: string; port: number }[];
  username: string | undefined;
  password: string | undefined;
  db: number | undefined;
}

/** The Redis default port. */
const REDIS_PORT = 6379;

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…` and
 * `redis-cluster://[user:pass@]h1:p1,h2:p2`; returns a message when the URL is malformed.
 */
export function parseRedisUrl(text: string): RedisTarget | { error: string } {
  const scheme = /^(redis|rediss|redis-cluster):\/\/(.*)$/i.exec(text);
  if (!scheme) return { error: 'must start with redis://, rediss:// or redis-cluster://' };
  const kind = scheme[1]!.toLowerCase();
  let rest = scheme[2]!;
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    try {
      username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined;
      password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) || undefined : undefined;
    } catch {
      return { error: 'has a badly escaped user name or password' };
    }
  }
  let db: number | undefined;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const dbText = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (dbText !== '') {
      if (kind === 'redis-cluster') return { error: 'a cluster has no database number' };
      if (!/^\d+$/.test(dbText)) return { error: `has a database "${dbText}" that is not a number` };
      db = Number(dbText);
    }
  }
  const entries = rest.split(',');
  if (kind !== 'redis-cluster' && entries.length > 1) {
    return { error: 'names several hosts; use redis-cluster:// for a cluster' };
  }
  const nodes: RedisTarget['nodes'] = [];
  for (const entry of entries) {
    const hostPort = parseHostPort(entry);
    if (!hostPort) return { error: `has "${entry}" where a host[:port] belongs` };
    nodes.push({ host: hostPort.host.replace(/^\[|\]$/g, ''), port: hostPort.port ?? REDIS_PORT });
  }
  return {
    kind: kind === 'redis-cluster' ? 'cluster' : 'standalone',
    tls: kind === 'rediss',
    nodes,
    username,
    password,
    db,
  };
}

/** Replaces the password in a Redis (or any) URL with `********`, so it can be printed. */
export function maskUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)(.*)@/i, (_all, head: string, pass: string) =>
    pass === '' ? `${head}@` : `${head}********@`,
  );
}
