import { FleetgateError } from '../errors.ts';

/**
 * What went wrong talking to a Docker engine. The FleetgateError `code` is `DOCKER_<KIND>`; `kind`
 * is the same in lower case, for callers that switch on it.
 */
export type DockerErrorKind =
  /** The socket does not answer (no daemon, wrong path, permission denied, engine restarting). */
  | 'engine_unreachable'
  /** The engine answered, but not in time. */
  | 'engine_timeout'
  /** The named image is not in the engine's store (nothing is pulled implicitly). */
  | 'image_not_found'
  /** The named container does not exist (any more). */
  | 'container_not_found'
  /** A container with that name exists already, or the container is in a state that forbids it. */
  | 'container_conflict'
  /** Starting the container failed because a port it binds is taken. */
  | 'port_in_use'
  /** The named network does not exist. */
  | 'network_not_found'
  /** The engine rejected the request's parameters (400). */
  | 'bad_request'
  /** An image build failed (a step exited non-zero, a bad Dockerfile, …). */
  | 'build_failed'
  /** Any other engine error (500s, unexpected answers). */
  | 'engine_error';

/** An Engine API failure, naming the operation and the object it was about. */
export class DockerError extends FleetgateError {
  readonly kind: DockerErrorKind;
  /** The engine's HTTP status, when it answered. */
  readonly status: number | undefined;
  constructor(kind: DockerErrorKind, message: string, options?: { cause?: unknown; status?: number }) {
    super(`DOCKER_${kind.toUpperCase()}`, message, options);
    this.kind = kind;
    this.status = options?.status;
  }
}

/** Whether `error` is a DockerError of `kind`. */
export function isDockerError(error: unknown, kind?: DockerErrorKind): error is DockerError {
  return error instanceof DockerError && (kind === undefined || error.kind === kind);
}
