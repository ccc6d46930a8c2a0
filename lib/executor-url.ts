/**
 * The one grammar of an executor address, used by the config (`executors`), the registry (a host's
 * URL), the gateway (static and registered hosts), the scaler's command provider and the CLI.
 *
 * An executor is addressed by its origin: `http(s)://host[:port]`, or `host[:port]` without a scheme
 * (as `OPR_PROXY_EXECUTORS` lists them, and open-runtimes/proxy reads them as `http://`). A path is
 * rejected, not ignored: every client of an executor (the gateway's forwarder, health checker and
 * broadcasts, the scaler's activation probe) sends the executor API's own paths (`/v1/...`) to the
 * origin, so a host registered as `http://h:9000/base` used to be accepted by the registry and then
 * silently dropped by every gateway. Credentials, queries and fragments are rejected too. Pure.
 */

/** The result of reading an executor address: its normalised origin, or why it is not one. */
export type ExecutorUrlResult = { ok: true; url: string } | { ok: false; reason: string };

/** How strict to be about the scheme. */
export interface ExecutorUrlOptions {
  /** Accept `host[:port]` without a scheme (read as `http://`); default true. */
  bare?: boolean;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Reads an executor address. The URL comes back as `scheme://host[:port]`, no trailing slash (the
 * host lower-cased and a default port dropped, as WHATWG URL parsing does). `reason` completes
 * "<field>: …" and never repeats a credential.
 */
export function parseExecutorUrl(text: string, options: ExecutorUrlOptions = {}): ExecutorUrlResult {
  const bare = options.bare ?? true;
  const shape = bare ? 'must be host[:port] or an http(s):// URL' : 'must be an http:// or https:// URL';
  const trimmed = text.trim();
  const hasScheme = SCHEME.test(trimmed);
  if (trimmed === '' || (!hasScheme && !bare)) return { ok: false, reason: shape };
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `http://${trimmed}`);
  } catch {
    return { ok: false, reason: shape };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.port === '0') {
    return { ok: false, reason: shape };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'must not carry credentials (no secrets in executor addresses)' };
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    return {
      ok: false,
      reason: `must not have a path (got "${url.pathname}"): an executor is addressed by scheme, host and port only`,
    };
  }
  if (url.search || url.hash || /[?#]/.test(trimmed)) {
    return { ok: false, reason: 'must not have a query or fragment' };
  }
  return { ok: true, url: url.origin };
}

/** The normalised executor URL of `text`, or undefined when it is not a valid executor address. */
export function executorUrl(text: string, options?: ExecutorUrlOptions): string | undefined {
  const result = parseExecutorUrl(text, options);
  return result.ok ? result.url : undefined;
}
