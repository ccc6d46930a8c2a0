import { DockerError, type DockerErrorKind } from './errors.ts';

/** What a failed Engine API call was doing, for the error message. */
export interface EngineOperation {
  /** e.g. `create container`, `start container`, `inspect image`. */
  action: string;
  /** The object named by the call: an image reference, a container id or name; optional. */
  target?: string;
}

/**
 * Maps an Engine API error answer to a DockerError. Pure: `status` and `message` (the `message`
 * field of the engine's JSON body) in, a typed error out. The engine's own 404 and 409 mean
 * different things per endpoint, so the operation decides between image, container and network.
 */
export function engineError(op: EngineOperation, status: number, message: string): DockerError {
  const what = op.target ? `${op.action} ${op.target}` : op.action;
  const text = message.trim() || `HTTP ${status}`;
  return new DockerError(classify(op, status, text), `docker: ${what} failed: ${text}`, { status });
}

function classify(op: EngineOperation, status: number, message: string): DockerErrorKind {
  const lower = message.toLowerCase();
  // The engine says "address already in use" (or "port is already allocated" with the bridge's
  // userland proxy) when a published port or a host-network bind is taken.
  if (/address already in use|port is already allocated/.test(lower)) return 'port_in_use';
  if (status === 404) {
    if (/no such image|image .* not found|not found: manifest|pull access denied/.test(lower))
      return 'image_not_found';
    if (/network .* not found|no such network/.test(lower)) return 'network_not_found';
    if (/no such container/.test(lower)) return 'container_not_found';
    if (op.action.includes('image')) return 'image_not_found';
    if (op.action.includes('network')) return 'network_not_found';
    return 'container_not_found';
  }
  if (status === 409) return 'container_conflict';
  if (status === 400) return 'bad_request';
  return 'engine_error';
}

/** Codes of a socket that cannot be reached: no daemon, stale socket file, no permission. */
const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Maps a transport failure (no HTTP answer) to a DockerError naming the socket. */
export function transportError(op: EngineOperation, socketPath: string, cause: unknown): DockerError {
  if (cause instanceof DockerError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const what = op.target ? `${op.action} ${op.target}` : op.action;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code))
    return new DockerError(
      'engine_timeout',
      `docker: ${what}: the engine at ${socketPath} did not answer in time`,
      {
        cause,
      },
    );
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code))
    return new DockerError(
      'engine_unreachable',
      `docker: ${what}: cannot reach the Docker engine at ${socketPath} (${code}: ${detail})`,
      { cause },
    );
  return new DockerError('engine_error', `docker: ${what}: ${detail}`, { cause });
}
