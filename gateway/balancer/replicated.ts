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
  /** Low load: fill owners in order; otherwise spread over them, least loaded first. */
  pack: boolean;
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
 * Popularity-aware replication over the runtime's rendezvous order. The owners are the first
 * `replicas` hosts, extended by the warm hosts that follow them (another gateway, or an earlier
 * demand, replicated there: the placement resync tells), so gateways that disagree on a count still
 * use prefixes of the same order. A host where the runtime has requests in flight counts as warm
 * (it is warm, or starting there: a request that joins the start costs no new cold start). A host is open when it is under the bounded-load cap and has a slot
 * free for the runtime (`perHost`). In order of preference:
 *
 * 1. a warm owner that is open: the first one at low load (pack), else the least loaded (spread);
 * 2. another warm host that is open (an earlier spill: no cold start);
 * 3. a cold owner under the cap, in order: a new replica, only when the demand asked for it;
 * 4. a warm host under the cap, fewest of this runtime in flight: waiting for a slot beats a cold start;
 * 5. the first host under the cap (a spill to a cold host: bounded loads stay the guard); else the first.
 *
 * The hot spill first: a runtime with one owner measures that owner against the cap without the
 * requests of replicated runtimes on it, which have other owners and are sent there instead once the
 * host is full. A tail runtime then keeps its one warm host (no cold start) while the host's excess is
 * made of movable work; a host still never holds more than the cap of one-owner work plus the cap.
 */
export function placeReplicated(input: ReplicatedInput): ReplicatedChoice {
  const { order, cap, perHost } = input;
  // A host with this runtime in flight is warm or warming: joining its start costs no new cold start.
  const isWarm = (id: string) => input.isWarm(id) || input.runtimeLoadOf(id) > 0;
  const why = (i: number) => (input.isWarm(order[i]!) ? 'warm' : i === 0 ? 'ring' : 'overflow');
  let owners = Math.min(Math.max(1, input.replicas), order.length);
  while (owners < order.length && isWarm(order[owners]!)) owners += 1;
  const replicated = owners > 1;
  const underCap = replicated
    ? (id: string) => input.loadOf(id) < cap
    : (id: string) => input.loadOf(id) - input.movableLoadOf(id) < cap;
  const open = (id: string) => underCap(id) && input.runtimeLoadOf(id) < perHost;

  let best = -1;
  for (let i = 0; i < owners; i++) {
    const id = order[i]!;
    if (!isWarm(id) || !open(id)) continue;
    if (input.pack) return { index: i, reason: why(i), warm: input.isWarm(id), replicated };
    if (best < 0 || input.loadOf(id) < input.loadOf(order[best]!)) best = i;
  }
  if (best >= 0) return { index: best, reason: why(best), warm: input.isWarm(order[best]!), replicated };
  for (let i = owners; i < order.length; i++) {
    const id = order[i]!;
    if (isWarm(id) && open(id)) return { index: i, reason: why(i), warm: input.isWarm(id), replicated };
  }
  for (let i = 0; i < owners; i++) {
    const id = order[i]!;
    if (!isWarm(id) && underCap(id))
      return { index: i, reason: i === 0 ? 'ring' : 'overflow', warm: false, replicated };
  }
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    if (!isWarm(id) || !underCap(id)) continue;
    if (best < 0 || input.runtimeLoadOf(id) < input.runtimeLoadOf(order[best]!)) best = i;
  }
  if (best >= 0) return { index: best, reason: why(best), warm: input.isWarm(order[best]!), replicated };
  for (let i = 0; i < order.length; i++) {
    if (underCap(order[i]!))
      return { index: i, reason: i === 0 ? 'ring' : 'overflow', warm: false, replicated };
  }
  return { index: 0, reason: 'ring', warm: input.isWarm(order[0]!), replicated, exhausted: true };
}
