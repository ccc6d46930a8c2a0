import type { Policy } from '../policy/schema.ts';
import type { ScaleEvent } from '../types.ts';

/**
 * Step 6 (HPA behaviour): a scale-up takes the lowest recommendation within the scale-up window,
 * a scale-down the highest within the scale-down window, so a change must persist for the whole
 * window before it happens. `recommendations` must include this tick's.
 */
export function stabilize(
  policy: Policy,
  recommendations: readonly { time: number; value: number }[],
  current: number,
  now: number,
): number {
  // Inclusive at the far end: a change waits at least the whole window after the last contrary
  // recommendation (HPA excludes it, which lets a scale-down come one tick early).
  const within = (window: number) => recommendations.filter((r) => r.time >= now - window);
  const up = Math.min(...within(policy.scaleUp.stabilizationWindow).map((r) => r.value));
  const down = Math.max(...within(policy.scaleDown.stabilizationWindow).map((r) => r.value));
  let result = current;
  if (result < up) result = up;
  if (result > down) result = down;
  return result;
}

type Direction = Policy['scaleUp'];

/**
 * Step 7, rate policies (HPA semantics): the change allowed now is measured from the count at the
 * start of each policy's period, i.e. the current count minus the changes already made in it.
 * Up: `Hosts` adds value, `Percent` multiplies by (1 + value/100), rounded up. Down: `Hosts`
 * subtracts, `Percent` multiplies by (1 − value/100), rounded down. `select: max` takes the policy
 * allowing the biggest change, `min` the smallest, `disabled` allows none.
 */
export function rateLimit(
  direction: Direction,
  up: boolean,
  events: readonly ScaleEvent[],
  current: number,
  now: number,
): number {
  if (direction.select === 'disabled') return current;
  const limits = direction.policies.map((p) => {
    const moved = events
      .filter((e) => e.time > now - p.period && (up ? e.to > e.from : e.to < e.from))
      .reduce((sum, e) => sum + Math.abs(e.to - e.from), 0);
    const start = up ? Math.max(0, current - moved) : current + moved;
    if (up) return p.type === 'Hosts' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    return p.type === 'Hosts' ? start - p.value : Math.floor(start * (1 - p.value / 100));
  });
  // The biggest change is the highest limit going up and the lowest going down.
  const biggest = direction.select === 'max';
  const limit = up === biggest ? Math.max(...limits) : Math.min(...limits);
  // Going up, at least one host is always allowed: a percentage of zero hosts is zero, and a pool
  // scaled to zero must be able to wake.
  return up ? Math.max(current, limit, 1) : Math.max(0, Math.min(current, limit));
}

/** Scale events within the last hour (what the churn budget counts). */
export function eventsInLastHour(events: readonly ScaleEvent[], now: number): number {
  return events.filter((e) => e.time > now - 3_600_000).length;
}
