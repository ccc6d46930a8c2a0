import { DockerError } from '../lib/docker/index.ts';
import { ExecutorError } from './errors.ts';

/**
 * The executor error for a failed Engine API call while starting or running a runtime: the
 * engine's message (which names the image or container) with what the operator can do about it.
 * An image the engine does not have is the caller's 400 (nothing is pulled); an engine that does
 * not answer is a 503 (another host may serve the request); anything else a 500.
 */
export function dockerFailure(error: unknown, image: string): unknown {
  if (!(error instanceof DockerError)) return error;
  switch (error.kind) {
    case 'image_not_found':
      return new ExecutorError(
        'runtime_failed',
        `Image "${image}" is not in the Docker engine's image store (Fleetgate does not pull images; build or load it first).`,
        { cause: error, status: 400 },
      );
    case 'engine_unreachable':
    case 'engine_timeout':
      return new ExecutorError('runtime_failed', `Docker engine unavailable: ${error.message}`, {
        cause: error,
        status: 503,
      });
    default:
      return new ExecutorError('runtime_failed', `Docker could not run the runtime: ${error.message}`, {
        cause: error,
        status: 500,
      });
  }
}
