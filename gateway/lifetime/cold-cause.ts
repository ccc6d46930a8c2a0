/** Why an execution paid a cold start (`fleetgate_gateway_cold_starts_total{cause}`). */
export type ColdCause = 'first-call' | 'after-reaping' | 'after-move' | 'overflow';

export const COLD_CAUSES: readonly ColdCause[] = ['first-call', 'after-reaping', 'after-move', 'overflow'];

/** What the gateway knew of a runtime at the end of its previous call. */
export interface LastSeen {
  /** Hosts it was warm on. */
  warmOn: readonly string[];
  /** Its ring owner then. */
  owner: string | undefined;
}

/**
 * The cause of a cold execution the activator saw (no active host had the runtime warm). `after-move`:
 * a host it was warm on is no longer active (left, drained) or its ring owner changed since;
 * `after-reaping`: seen before, on hosts still active (an executor reaped it, or keep-warm deleted it);
 * `first-call`: never seen. Pure.
 */
export function coldCause(
  last: LastSeen | undefined,
  isActive: (hostId: string) => boolean,
  ownerNow: string | undefined,
): ColdCause {
  if (last === undefined) return 'first-call';
  if (last.warmOn.some((h) => !isActive(h))) return 'after-move';
  if (last.owner !== undefined && ownerNow !== undefined && last.owner !== ownerNow) return 'after-move';
  return 'after-reaping';
}

/**
 * Whether an execution sent on its first try to `host` while the runtime was warm on `warmBefore`
 * (active hosts) was a cold start, and why: its new ring owner (`after-move`: a host joined or the
 * ring changed) or another host the bounded loads chose (`overflow`). Undefined: it was warm there,
 * or no host had it warm (the activator counts those). Pure.
 */
export function routedColdCause(
  warmBefore: readonly string[],
  host: string | undefined,
  ownerNow: string | undefined,
  lastOwner: string | undefined,
): ColdCause | undefined {
  if (host === undefined || warmBefore.length === 0 || warmBefore.includes(host)) return undefined;
  if (host === ownerNow && lastOwner !== undefined && lastOwner !== ownerNow) return 'after-move';
  return 'overflow';
}
