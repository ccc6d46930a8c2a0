import { FleetgateError } from '../lib/errors.ts';

/** Stable codes of every registry error. */
export type RegistryErrorCode =
  /** Redis cannot be reached (down, reconnecting, timed out); the caller may retry later. */
  | 'REGISTRY_UNAVAILABLE'
  /** A host, pool name or state given to the registry is invalid. */
  | 'REGISTRY_INVALID_HOST'
  /** The registry configuration (URL, Sentinel, type) is invalid. */
  | 'REGISTRY_INVALID_CONFIG'
  /** A write kept racing with other writers on the same host and gave up. */
  | 'REGISTRY_CONFLICT'
  /** Redis answered with an error (wrong type at a key, script failure, auth). */
  | 'REGISTRY_COMMAND_FAILED'
  /** The registry was closed. */
  | 'REGISTRY_CLOSED';

/** Every error the registry throws: a stable `code`, a message naming what was wrong, and the `cause`. */
export class RegistryError extends FleetgateError {
  declare readonly code: RegistryErrorCode;
  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
