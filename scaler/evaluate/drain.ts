import type { Policy } from '../policy/schema.ts';
import type { ObservedHost } from '../types.ts';

type Selector = Policy['drain']['select'];

const newestFirst = (a: ObservedHost, b: ObservedHost) => b.registeredAt - a.registeredAt;

const ORDER: Record<Selector, (a: ObservedHost, b: ObservedHost) => number> = {
  // Fewest warm runtimes first: draining it loses the least warm state (fewest cold starts later).
  fewestWarmRuntimes: (a, b) =>
    a.warmRuntimes - b.warmRuntimes || a.inflight - b.inflight || newestFirst(a, b),
  leastInflight: (a, b) => a.inflight - b.inflight || a.warmRuntimes - b.warmRuntimes || newestFirst(a, b),
  newest: newestFirst,
  oldest: (a, b) => a.registeredAt - b.registeredAt,
};

/**
 * Step 9, drain victims: `count` hosts to remove. Booting hosts go first (newest first: they hold
 * no work and no warm runtimes), then active hosts in the selector's order; ties are broken by id
 * so every scaler picks the same victims.
 */
export function pickVictims(
  selector: Selector,
  booting: readonly ObservedHost[],
  active: readonly ObservedHost[],
  count: number,
): ObservedHost[] {
  const byId = (a: ObservedHost, b: ObservedHost) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ordered = [
    ...[...booting].sort((a, b) => newestFirst(a, b) || byId(a, b)),
    ...[...active].sort((a, b) => ORDER[selector](a, b) || byId(a, b)),
  ];
  return ordered.slice(0, Math.max(0, count));
}

/**
 * Prices the warm runtimes a drain would lose (`drain.warmRuntimeCost`, host-time per runtime, e.g.
 * what a cold start costs): a victim is drained only if the host-time saved is worth more. The
 * saving of one drained host is taken as one scale-down stabilization window — the scale-down rule's
 * own evidence: demand that stayed low that long is expected to stay low as long again. This is the
 * ski-rental trade-off of keep-alive policies (Shahrad et al., ATC 2020) applied to hosts.
 */
export function priceWarmRuntimes(
  policy: Policy,
  victims: readonly ObservedHost[],
): { victims: ObservedHost[]; kept: ObservedHost[] } {
  const cost = policy.drain.warmRuntimeCost;
  if (cost === 0) return { victims: [...victims], kept: [] };
  const saving = policy.scaleDown.stabilizationWindow;
  const kept = victims.filter((h) => h.state === 'active' && h.warmRuntimes * cost > saving);
  return { victims: victims.filter((h) => !kept.includes(h)), kept };
}
