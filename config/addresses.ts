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
