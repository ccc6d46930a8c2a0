/**
 * A perfect-foresight reference controller for the simulator: not a policy, a bound. It knows the
 * demand series ahead of time and asks, at every tick, for the hosts the peak demand of the next
 * `horizonMs` needs (ceil(demand ÷ target), at 1 s resolution), with no rate limit, window or
 * budget; only `hosts.min`/`hosts.max` clamp it.
 *
 * Why the horizon is the whole story: a host started at a tick serves from boot time later, and the
 * next tick is one interval after this one, so a horizon of boot + interval is the shortest that
 * never leaves demand unserved (every second is covered by the last tick that could start hosts
 * for it). It is also the drain/reboot break-even: a host drained now and needed again at s costs
 * its drain plus a boot started up to one interval early (≈ boot + interval host·s), against
 * holding it idle until s; so it is dropped exactly when no second of the next boot + interval
 * needs it. Shorter horizons trade unserved seconds for fewer host·s (the oracle's frontier);
 * longer ones only hold more.
 */
export function oracleController(
  demand: (t: number) => number,
  target: number,
  horizonMs: number,
  bounds: { min: number; max: number },
): (t: number) => number {
  return (t) => {
    let need = 0;
    for (let s = t; s <= t + horizonMs; s += 1_000) {
      need = Math.max(need, Math.ceil(Math.max(0, demand(s)) / target - 1e-9));
    }
    return Math.min(bounds.max, Math.max(bounds.min, need));
  };
}
