/**
 * The one classification of network errors from undici and Node sockets, used by the forwarder's
 * failover (is it safe to try another host?) and by every metric and log that counts errors by kind,
 * so a failure retried as a connect failure is also counted as one. Pure, no I/O.
 */

/** A short kind for an upstream error, for metrics and logs. */
export type NetworkErrorKind = 'connect' | 'timeout' | 'reset' | 'aborted' | 'other';

/**
 * Codes that mean the connection was never established, so nothing was sent: DNS failures
 * (`ENOTFOUND`, and `EAI_AGAIN` when the resolver is briefly unreachable), refused or unreachable
 * hosts, and undici's connect timeout.
 */
export const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** undici's headers and body timers: the request was sent, the answer did not come in time. */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Codes of a connection that broke after it was established. */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `error` is a connection failure (nothing reached the host). */
export function isConnectError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && CONNECT_ERROR_CODES.has(code);
}

/** Whether `error` is one of undici's upstream timeouts (headers or body). */
export function isTimeoutError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && TIMEOUT_ERROR_CODES.has(code);
}

/** The kind of `error`: connect, timeout, reset, aborted or other. */
export function errorKind(error: unknown): NetworkErrorKind {
  // AbortSignal.timeout() aborts with a DOMException whose `code` is a number (23), not a string.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timeout';
  if (isConnectError(error)) return 'connect';
  const code = codeOf(error) ?? '';
  if (code.endsWith('TIMEOUT')) return 'timeout';
  if (RESET_CODES.has(code)) return 'reset';
  if (code === 'UND_ERR_ABORTED' || (error as { name?: unknown } | null)?.name === 'AbortError')
    return 'aborted';
  return 'other';
}
