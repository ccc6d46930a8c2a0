import type { Ring } from './ring.ts';

/** How a request is spread: runtime-aware (`anycast-efficient`) or least-loaded of two (`anycast-fast`). */
export type Addressing = 'anycast-efficient' | 'anycast-fast';

/** What the pick needs to know of each host. */
export interface HostLoad {
  id: string;
  state: 'booting' | 'active' | 'draining';
  healthy: boolean;
  inflight: number;
}

/** Everything a pick depends on; no I/O, no clock. */
export interface PickInput {
  /** The runtime id, when the request names one. */
  key: string | undefined;
  addressing: Addressing;
  hosts: readonly HostLoad[];
  /** A ring built over the active hosts. */
  ring: Ring;
  /** Whether the runtime `key` is known warm on a host. */
  isWarm(hostId: string): boolean;
  /** `c` in the bounded-load cap ceil(c × (total + 1) / hosts); ≥ 1. */
  loadFactor: number;
  /** Apply the bounded-load cap (default true). */
  boundedLoads?: boolean;
  /** The cap never goes below this many requests in flight per host (default 1: the plain rule). */
  loadFloor?: number;
  /** Prefer a host where the runtime is warm when it is within the cap (default true). */
  warmPreference?: boolean;
  /** Uniform in [0, 1); seeded in tests. */
  random: () => number;
  /** Hosts already tried for this request. */
  exclude?: ReadonlySet<string>;
}

/** Why the first host was chosen. */
export type PickReason = 'warm' | 'ring' | 'overflow' | 'p2c' | 'unhealthy-fallback' | 'none';

/** The try order (first is the pick, the rest are failover candidates) and why. */
export interface PickResult {
  order: string[];
  reason: PickReason;
  /** Whether the runtime is known warm on `order[0]`. */
  warm: boolean;
}

/**
 * The bounded-load cap: no host takes more than ceil(c × (total + 1) / n) requests in flight
 * (Mirrokni, Thorup & Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018; HAProxy's
 * `hash-balance-factor` uses the same rule with c = factor / 100). Counting the new request in
 * `total + 1` guarantees some host is under the cap. `floor` keeps the cap from dropping below a few
 * requests at low load, where the plain rule (cap 1 with 1 request in flight on 3 hosts) would move a
 * warm runtime's second concurrent request to a cold host: at that load there is no balance to protect,
 * and the move costs a cold start.
 */
export function boundedLoadCap(totalInflight: number, hosts: number, loadFactor: number, floor = 1): number {
  if (hosts <= 0) return 0;
  return Math.max(Math.ceil((Math.max(1, loadFactor) * (totalInflight + 1)) / hosts), Math.floor(floor));
}

/** Picks the host order for one request. Pure: the same input always gives the same result. */
export function pick(input: PickInput): PickResult {
  const exclude = input.exclude;
  const byId = new Map<string, HostLoad>();
  for (const h of input.hosts) byId.set(h.id, h);
  const eligible = input.hosts.filter((h) => h.state === 'active' && h.healthy && !exclude?.has(h.id));

  if (eligible.length === 0) {
    // Every active host is unhealthy (or already tried): still try the best ones rather than fail closed.
    const fallback = input.hosts.filter((h) => h.state === 'active' && !h.healthy && !exclude?.has(h.id));
    if (fallback.length === 0) return { order: [], reason: 'none', warm: false };
    const order =
      input.key === undefined ? leastLoaded(fallback) : ringOrder(input.ring, input.key, fallback, byId);
    return { order, reason: 'unhealthy-fallback', warm: input.key !== undefined && input.isWarm(order[0]!) };
  }

  if (input.key === undefined || input.addressing === 'anycast-fast') {
    return powerOfTwo(eligible, input.random, input.key === undefined ? undefined : input.isWarm);
  }

  const order = ringOrder(input.ring, input.key, eligible, byId);
  const bounded = input.boundedLoads ?? true;
  const cap = bounded
    ? boundedLoadCap(
        eligible.reduce((s, h) => s + h.inflight, 0),
        eligible.length,
        input.loadFactor,
        input.loadFloor,
      )
    : Number.POSITIVE_INFINITY;
  const under = (id: string) => (byId.get(id)?.inflight ?? 0) < cap;

  if (input.warmPreference ?? true) {
    const warm = order.find((id) => input.isWarm(id) && under(id));
    if (warm !== undefined) return { order: moveToFront(order, warm), reason: 'warm', warm: true };
  }
  const first = order.find(under) ?? order[0]!;
  return {
    order: moveToFront(order, first),
    reason: first === order[0] ? 'ring' : 'overflow',
    warm: input.isWarm(first),
  };
}

/** Eligible hosts in the ring's preference order; hosts missing from the ring go last, by id. */
function ringOrder(
  ring: Ring,
  key: string,
  hosts: readonly HostLoad[],
  byId: Map<string, HostLoad>,
): string[] {
  const wanted = new Set(hosts.map((h) => h.id));
  const order = ring.candidates(key).filter((id) => wanted.has(id) && byId.has(id));
  if (order.length < wanted.size) {
    const inRing = new Set(order);
    for (const h of [...hosts].sort((a, b) => (a.id < b.id ? -1 : 1)))
      if (!inRing.has(h.id)) order.push(h.id);
  }
  return order;
}

function leastLoaded(hosts: readonly HostLoad[]): string[] {
  return [...hosts].sort((a, b) => a.inflight - b.inflight || (a.id < b.id ? -1 : 1)).map((h) => h.id);
}

/**
 * Power of two choices (Mitzenmacher 2001): two distinct random hosts, the one with fewer requests in
 * flight wins; the rest follow, least loaded first, as failover candidates.
 */
function powerOfTwo(
  hosts: readonly HostLoad[],
  random: () => number,
  isWarm: ((id: string) => boolean) | undefined,
): PickResult {
  if (hosts.length === 1) {
    const only = hosts[0]!.id;
    return { order: [only], reason: 'p2c', warm: isWarm?.(only) ?? false };
  }
  const i = Math.floor(random() * hosts.length) % hosts.length;
  let j = Math.floor(random() * (hosts.length - 1)) % (hosts.length - 1);
  if (j >= i) j += 1;
  const a = hosts[i]!;
  const b = hosts[j]!;
  const winner = b.inflight < a.inflight ? b : a;
  const order = [winner.id, ...leastLoaded(hosts.filter((h) => h.id !== winner.id))];
  return { order, reason: 'p2c', warm: isWarm?.(winner.id) ?? false };
}

function moveToFront(order: string[], id: string): string[] {
  return order[0] === id ? order : [id, ...order.filter((x) => x !== id)];
}
