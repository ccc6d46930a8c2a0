import type { HostLoad } from './pick.ts';

/** open-runtimes/proxy's `OPR_PROXY_ALGORITHM` values. */
export type LegacyAlgorithm = 'random' | 'round-robin' | 'first' | 'last';

/** Whether `name` is one of open-runtimes/proxy's algorithms (anything else means power of two choices). */
export function isLegacyAlgorithm(name: string): name is LegacyAlgorithm {
  return name === 'random' || name === 'round-robin' || name === 'first' || name === 'last';
}

/**
 * The try order for a request without a runtime key under a legacy algorithm, over active healthy
 * hosts (active unhealthy ones when there are none), in the order the fleet lists them. Pure:
 * `turn` is the round-robin counter and `random` the uniform source, both from the caller.
 */
export function legacyOrder(
  hosts: readonly HostLoad[],
  algorithm: LegacyAlgorithm,
  turn: number,
  random: () => number,
): string[] {
  // One pass into the one array returned: active healthy hosts, or the active ones when none is healthy.
  const ids: string[] = [];
  let anyHealthy = false;
  for (const h of hosts) {
    if (h.state !== 'active') continue;
    if (h.healthy && !anyHealthy) {
      anyHealthy = true;
      ids.length = 0; // the unhealthy ones seen so far are not needed any more
    }
    if (h.healthy || !anyHealthy) ids.push(h.id);
  }
  if (ids.length === 0) return ids;
  const start =
    algorithm === 'first'
      ? 0
      : algorithm === 'last'
        ? ids.length - 1
        : algorithm === 'round-robin'
          ? turn % ids.length
          : Math.floor(random() * ids.length) % ids.length;
  // Rotated in place so that `start` comes first.
  if (start > 0) ids.push(...ids.splice(0, start));
  return ids;
}
