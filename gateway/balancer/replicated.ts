/** What the replicated pick needs: the runtime's eligible hosts in ring order and their loads. */
export interface ReplicatedInput {
  /** Eligible hosts in the runtime's rendezvous order. */
  order: readonly string[];
  /** Owners the runtime's demand needs: the first `replicas` hosts of `order`. */
  replicas: number;
  /** The bounded-load cap (requests in flight per host). */
  cap: number;
  /** Requests in flight one host gives one runtime. */
  perHost: number;
  loadOf(id: string): number;
  /** Requests of this runtime in flight on a host. */
  runtimeLoadOf(id: string): number;
  /** Requests in flight on a host of runtimes that have more than one owner (they can move). */
  movableLoadOf(id: string): number;
  isWarm(id: string): boolean;
}

/** The chosen index of `order` and why. */
export interface ReplicatedChoice {
  index: number;
  /** `warm` when the runtime is known warm there; a host where it is only starting counts by position. */
  reason: 'warm' | 'ring' | 'overflow';
  warm: boolean;
  /** Whether the runtime has more than one owner: its requests count as movable load. */
  replicated: boolean;
  /** Set when no rule chose a host (every one full): the first host, by default. */
  exhausted?: true;
}

/**
 * How far past the bounded-load cap a runtime whose demand needs one host stays on its warm host (its
 * one-owner work measured, the replicated work there left out): a spill costs a cold start and a
 * second copy, and the cap moves with every request, so a momentary excess should not buy one.
 * Still a bound: a host holds at most 1.5 × the cap of one-owner work.
 */
export const ONE_OWNER_CAP = 1.5;

/**
 * Popularity-aware replication over the runtime's rendezvous order. The owners are the first
 * `replicas` hosts, extended by the warm (or starting) hosts that follow them (another gateway, or an
 * earlier demand, replicated there: the placement resync tells), so gateways that disagree on a count
 * still use prefixes of the same order. A host is open when it is under its cap and has a slot free
 * for the runtime (`perHost`). In order of preference:
 *
 * 1. the least loaded warm owner that is open (spreading over warm owners costs no cold start, so
 *    it is done at any load; the demand's count, which stays at what the slots need while the cap sits
 *    at its floor, is what packs at low load);
 * 2. another warm host that is open (an earlier spill: no cold start);
 * 3. an open host where the runtime is starting (requests in flight, not known warm yet): it joins
 *    that start instead of paying for another;
 * 4. a cold owner under the cap, in order: a new replica, only when the demand asked for it;
 * 5. a warm or starting host under the cap, fewest of this runtime in flight: waiting for a slot beats
 *    a cold start;
 * 6. the first host under the cap (a spill to a cold host: bounded loads stay the guard); else the first.
 *
 * The cap depends on the demand's count. A runtime it gives more than one owner measures every host
 * against the bounded-load cap. A runtime it gives one owner (the long tail, even when an earlier
 * spill left it warm on two hosts) measures a host by its one-owner work only, against
 * `ONE_OWNER_CAP` × the cap: the replicated runtimes' requests there have other owners and move first
 * ("the hot spill first"), and a momentary excess does not buy a second copy.
 */
export function placeReplicated(input: ReplicatedInput): ReplicatedChoice {
  const { order, cap, perHost } = input;
  const known = input.isWarm;
  // Warm, or starting there: a request that joins the start costs no new cold start.
  const starting = (id: string) => !known(id) && input.runtimeLoadOf(id) > 0;
  const why = (i: number) => (known(order[i]!) ? 'warm' : i === 0 ? 'ring' : 'overflow');
  const choose = (i: number): ReplicatedChoice => ({
    index: i,
    reason: why(i),
    warm: known(order[i]!),
    replicated,
  });
  let owners = Math.min(Math.max(1, input.replicas), order.length);
  while (owners < order.length && (known(order[owners]!) || starting(order[owners]!))) owners += 1;
  const replicated = owners > 1;
  // The demand's count, not the warm extension, says whether the runtime needs more than one host.
  const underCap =
    input.replicas > 1
      ? (id: string) => input.loadOf(id) < cap
      : (id: string) => input.loadOf(id) - input.movableLoadOf(id) < cap * ONE_OWNER_CAP;
  const open = (id: string) => underCap(id) && input.runtimeLoadOf(id) < perHost;

  // 1. The least loaded warm owner with room (spreading over warm owners costs no cold start).
  let best = -1;
  for (let i = 0; i < owners; i++) {
    const id = order[i]!;
    if (!known(id) || !open(id)) continue;
    if (best < 0 || input.loadOf(id) < input.loadOf(order[best]!)) best = i;
  }
  if (best >= 0) return choose(best);
  // 2. Another warm host with room (an earlier spill), then 3. a host where it is starting.
  for (let i = owners; i < order.length; i++) if (known(order[i]!) && open(order[i]!)) return choose(i);
  for (let i = 0; i < order.length; i++) if (starting(order[i]!) && open(order[i]!)) return choose(i);
  // 4. A new replica: a cold owner under the cap, in order.
  for (let i = 0; i < owners; i++) {
    const id = order[i]!;
    if (!known(id) && !starting(id) && underCap(id)) return choose(i);
  }
  // 5. Wait for a slot where it is warm or starting, under the cap: fewest of this runtime first.
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    if (!(known(id) || starting(id)) || !underCap(id)) continue;
    if (best < 0 || input.runtimeLoadOf(id) < input.runtimeLoadOf(order[best]!)) best = i;
  }
  if (best >= 0) return choose(best);
  // 6. A spill to a cold host: bounded loads stay the guard.
  for (let i = 0; i < order.length; i++) if (underCap(order[i]!)) return choose(i);
  return { ...choose(0), exhausted: true };
}
