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
