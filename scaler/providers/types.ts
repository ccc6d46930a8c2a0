import { FleetgateError } from '../../lib/errors.ts';

/** A host a provider created (or activated): where it is and how to recognise it later. */
export interface ProvisionedHost {
  /** Stable id, unique in the pool; becomes the registry id. */
  id: string;
  /** Executor base URL. */
  url: string;
  /** Provider bookkeeping stored with the host in the registry (never a secret): pid, port, … */
  labels: Record<string, string>;
}

/** What `create` may look at: the ids already registered in the pool (static hands out the next free one). */
export interface CreateContext {
  inUse: ReadonlySet<string>;
  /** Aborted when the loop gives up on this call (timeout, shutdown). */
  signal?: AbortSignal;
}

/**
 * What starts and stops executor hosts for one pool (static, process, command; docker and
 * kubernetes are follow-ups). The loop registers a host only after `create` resolved and
 * deregisters it before `destroy`, so a provider failure never leaves a registered host that does
 * not exist.
 */
export interface HostProvider {
  /** `static`, `process`, `command`; also the `provider` field of registered hosts. */
  readonly kind: string;
  /** Starts (or activates) one host and resolves once it exists; it may still be booting. */
  create(context: CreateContext): Promise<ProvisionedHost>;
  /** Stops a host. Idempotent: a host that is already gone resolves. */
  destroy(host: ProvisionedHost, signal?: AbortSignal): Promise<void>;
  /**
   * Whether the host still exists, when the provider can tell (a process provider knows its
   * children died); undefined when it cannot. Lets the loop deregister hosts that vanished.
   */
  exists?(host: ProvisionedHost): Promise<boolean | undefined>;
  /** Releases the provider's own resources; see each provider for what happens to its hosts. */
  close(): Promise<void>;
}

/** Stable codes of provider failures. */
export type ProviderErrorCode =
  | 'PROVIDER_CREATE_FAILED'
  | 'PROVIDER_DESTROY_FAILED'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_EXHAUSTED'
  | 'PROVIDER_BAD_OUTPUT';

/** A provider call failed; the loop records it and retries with backoff. */
export class ProviderError extends FleetgateError {
  constructor(code: ProviderErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
