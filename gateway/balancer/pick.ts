import type { Ring } from '../ring.ts';
import type { EligibleCounts } from './eligible-load.ts';
import { placeReplicated } from './replicated.ts';

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
  /**
   * Every host where the runtime `key` is known warm. With it and a table ring (`ring.depth`), the
   * pick reads only the ring's first `depth` hosts unless a warm host lies past them or all of them
   * are full (its cost then does not grow with the number of hosts); without it, the full order.
   */
  warmHosts?: () => readonly string[];
  /** `c` in the bounded-load cap ceil(c × (total + 1) / hosts); ≥ 1. */
  loadFactor: number;
  /** Apply the bounded-load cap (default true). */
  boundedLoads?: boolean;
  /** The cap never goes below this many requests in flight per host (default 1: the plain rule). */
  loadFloor?: number;
  /** Prefer a host where the runtime is warm when it is within the cap (default true). */
  warmPreference?: boolean;
  /**
   * `gateway.warmSlots`: with no warm host within the cap, the first warm host (ring order) where
   * fewer than `slots` of the runtime's requests are in flight, before a cold host within the cap.
   */
  warmSlots?: { slots: number; runtimeLoadOf(hostId: string): number };
  /** Uniform in [0, 1); seeded in tests. */
  random: () => number;
  /** Hosts already tried for this request. */
  exclude?: ReadonlySet<string>;
  /**
   * The eligible hosts of `hosts` (active, healthy) and their requests in flight, kept by the caller
   * as they change (`eligible-load.ts`): with it (and no `exclude`), the pick reads no host outside
   * the ring's prefix; without it, one pass over `hosts` counts them.
   */
  counts?: EligibleCounts;
  /** The host with this id (the fleet's index); without it, a linear search of `hosts`. */
  hostOf?: (id: string) => HostLoad | undefined;
  /** Requests in flight on the host with this id; without it, a linear search of `hosts`. */
  loadOf?: (id: string) => number;
  /**
   * Popularity-aware replication (`replicated.ts`): what one host gives one runtime, the runtime's
   * owner count and its requests in flight per host. Without it, the plain warm-then-ring pick.
   */
  replication?: {
    perHost: number;
    /** The owner count, or how to get it from the eligible hosts' requests in flight and their number. */
    replicas: number | ((total: number, eligible: number) => number);
    runtimeLoadOf(hostId: string): number;
    /** Requests in flight on a host of runtimes with more than one owner. */
    movableLoadOf(hostId: string): number;
    /**
     * The hosts where the runtime has requests in flight (the pick counts them warm). Without it, a
     * replicated pick reads the full order, since one of them may lie past the ring's prefix.
     */
    loadedHosts?: () => Iterable<string>;
  };
}

/** Why the first host was chosen. */
export type PickReason = 'warm' | 'ring' | 'overflow' | 'p2c' | 'unhealthy-fallback' | 'none';

/** The try order (first is the pick, the rest are failover candidates) and why. */
export interface PickResult {
  order: string[];
  reason: PickReason;
  /** Whether the runtime is known warm on `order[0]`. */
  warm: boolean;
  /** With replication: whether the runtime has more than one owner (its requests can move). */
  replicated?: boolean;
  /**
   * When `order` is the ring's prefix only: the eligible hosts after it, in ring order, for failover
   * past the prefix (asked at most once, then cleared by the caller).
   */
  rest?: (() => string[]) | undefined;
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
  // The caller's counts, else one pass: how many hosts are eligible and what they carry.
  const counted = input.exclude === undefined || input.exclude.size === 0 ? input.counts : undefined;
  const { eligible, total } = counted ?? countEligible(input);
  if (eligible === 0) {
    // Every active host is unhealthy (or already tried): still try the best ones rather than fail closed.
    if (!input.hosts.some((h) => h.state === 'active' && !input.exclude?.has(h.id)))
      return { order: [], reason: 'none', warm: false };
    const ok = (h: HostLoad) => h.state === 'active' && !h.healthy && !input.exclude?.has(h.id);
    const order = input.key === undefined ? leastLoaded(input.hosts, ok) : ringOrder(input, input.key, ok);
    return { order, reason: 'unhealthy-fallback', warm: input.key !== undefined && input.isWarm(order[0]!) };
  }
  // No closure when nothing is excluded (every pick but a test's): the common pick allocates none.
  const exclude = input.exclude;
  const ok =
    exclude === undefined || exclude.size === 0
      ? isEligible
      : (h: HostLoad) => isEligible(h) && !exclude.has(h.id);

  if (input.key === undefined || input.addressing === 'anycast-fast') {
    return powerOfTwo(
      input.hosts,
      ok,
      eligible,
      input.random,
      input.key === undefined ? undefined : input.isWarm,
    );
  }

  const bounded = input.boundedLoads ?? true;
  const cap = bounded
    ? boundedLoadCap(total, eligible, input.loadFactor, input.loadFloor)
    : Number.POSITIVE_INFINITY;
  const loads = input.loadOf ?? loadFromList(input.hosts);
  const key = input.key;
  const depth = input.ring.depth;
  if (depth !== undefined && input.warmHosts !== undefined) {
    // The ring's prefix first: the full order only when the answer may lie past it.
    const prefix = ringOrder(input, key, ok, depth);
    const complete = prefix.length >= eligible;
    if (complete || !warmPastPrefix(input, prefix, ok)) {
      const result = decide(input, prefix, complete, cap, total, eligible, loads);
      if (result !== undefined) {
        // The hosts past the prefix, only when failover asks (the prefix is the same set, reordered).
        if (!complete) result.rest = () => pastPrefix(ringOrder(input, key, ok), prefix);
        return result;
      }
    }
  }
  return decide(input, ringOrder(input, key, ok), true, cap, total, eligible, loads)!;
}

/** An active, healthy host. */
function isEligible(h: HostLoad): boolean {
  return h.state === 'active' && h.healthy;
}

/** One pass over the hosts: how many are eligible and their requests in flight. */
function countEligible(input: PickInput): EligibleCounts {
  let eligible = 0;
  let total = 0;
  for (const h of input.hosts) {
    if (h.state !== 'active' || !h.healthy || input.exclude?.has(h.id)) continue;
    eligible += 1;
    total += h.inflight;
  }
  return { eligible, total };
}

/**
 * The keyed pick over `order` (eligible hosts in ring order). With `complete` false, `order` is a
 * prefix of the full order and no host past it is known warm: the answer is returned only when the
 * full order would give the same one, undefined otherwise.
 */
function decide(
  input: PickInput,
  order: string[],
  complete: boolean,
  cap: number,
  total: number,
  eligible: number,
  loads: (id: string) => number,
): PickResult | undefined {
  const replication = input.replication;
  if (replication !== undefined && order.length > 0 && (input.warmPreference ?? true)) {
    // The same count on both paths: a second call at the same time changes nothing in the table.
    const replicas =
      typeof replication.replicas === 'function'
        ? replication.replicas(total, eligible)
        : replication.replicas;
    // Owners past the prefix: the full order decides.
    if (!complete && replicas >= order.length) return undefined;
    const choice = placeReplicated({
      order,
      replicas,
      cap,
      perHost: replication.perHost,
      loadOf: loads,
      runtimeLoadOf: replication.runtimeLoadOf,
      movableLoadOf: replication.movableLoadOf,
      isWarm: input.isWarm,
    });
    if (!complete && choice.exhausted) return undefined;
    return {
      order: moveToFront(order, choice.index),
      reason: choice.reason,
      warm: choice.warm,
      replicated: choice.replicated,
    };
  }
  if (input.warmPreference ?? true) {
    for (let i = 0; i < order.length; i++) {
      const id = order[i]!;
      if (input.isWarm(id) && loads(id) < cap)
        return { order: moveToFront(order, i), reason: 'warm', warm: true };
    }
    const slots = input.warmSlots;
    if (slots !== undefined) {
      for (let i = 0; i < order.length; i++) {
        const id = order[i]!;
        if (input.isWarm(id) && slots.runtimeLoadOf(id) < slots.slots)
          return { order: moveToFront(order, i), reason: 'warm', warm: true };
      }
    }
  }
  let first = 0;
  while (first < order.length && loads(order[first]!) >= cap) first += 1;
  if (first === order.length) {
    if (!complete) return undefined;
    first = 0;
  }
  const id = order[first]!;
  return {
    order: moveToFront(order, first),
    reason: first === 0 ? 'ring' : 'overflow',
    warm: input.isWarm(id),
  };
}

/** The hosts of `order` that are not in `prefix`, in order. */
function pastPrefix(order: readonly string[], prefix: readonly string[]): string[] {
  const taken = new Set(prefix);
  return order.filter((id) => !taken.has(id));
}

/** Whether the runtime is known warm (or, replicated, in flight) on an eligible host missing from `prefix`. */
function warmPastPrefix(input: PickInput, prefix: readonly string[], ok: (h: HostLoad) => boolean): boolean {
  const find = input.hostOf ?? hostFromList(input.hosts);
  const past = (ids: Iterable<string>) => {
    for (const id of ids) {
      if (prefix.includes(id)) continue;
      const h = find(id);
      if (h !== undefined && ok(h)) return true;
    }
    return false;
  };
  const r = input.replication;
  if (r !== undefined && (input.warmPreference ?? true)) {
    // The replicated pick counts hosts with the runtime in flight as warm too.
    if (r.loadedHosts === undefined || past(r.loadedHosts())) return true;
  }
  return past(input.warmHosts!());
}

/** In-flight count by id over a list, for inputs without `loadOf` (tests); linear, fine for a few hosts. */
function loadFromList(hosts: readonly HostLoad[]): (id: string) => number {
  return (id) => {
    for (const h of hosts) if (h.id === id) return h.inflight;
    return 0;
  };
}

/**
 * The wanted hosts in the ring's preference order, as one new array; hosts missing from the ring go
 * last, by id (the ring is built over the active hosts, so that only happens while it is rebuilt).
 * With `limit`: only those among the ring's first `limit` candidates, nothing appended.
 */
function ringOrder(input: PickInput, key: string, ok: (h: HostLoad) => boolean, limit?: number): string[] {
  const order: string[] = [];
  const find = input.hostOf ?? hostFromList(input.hosts);
  for (const id of input.ring.candidates(key, limit)) {
    const h = find(id);
    if (h !== undefined && ok(h)) order.push(id);
  }
  if (limit !== undefined) return order;
  let wanted = 0;
  for (const h of input.hosts) if (ok(h)) wanted += 1;
  if (order.length < wanted) {
    const missing: string[] = [];
    for (const h of input.hosts) if (ok(h) && !order.includes(h.id)) missing.push(h.id);
    missing.sort();
    order.push(...missing);
  }
  return order;
}

function hostFromList(hosts: readonly HostLoad[]): (id: string) => HostLoad | undefined {
  return (id) => {
    for (const h of hosts) if (h.id === id) return h;
    return undefined;
  };
}

/** The wanted hosts, least loaded first (ties by id). */
function leastLoaded(hosts: readonly HostLoad[], ok: (h: HostLoad) => boolean): string[] {
  const chosen: HostLoad[] = [];
  for (const h of hosts) if (ok(h)) chosen.push(h);
  return chosen.sort((a, b) => a.inflight - b.inflight || (a.id < b.id ? -1 : 1)).map((h) => h.id);
}

/** The `n`-th host (0-based) of `hosts` that passes `ok`. */
function nth(hosts: readonly HostLoad[], ok: (h: HostLoad) => boolean, n: number): HostLoad {
  let seen = 0;
  for (const h of hosts) {
    if (!ok(h)) continue;
    if (seen === n) return h;
    seen += 1;
  }
  throw new Error(`pick: no eligible host number ${n}`);
}

/**
 * Power of two choices (Mitzenmacher 2001): two distinct random hosts, the one with fewer requests in
 * flight wins; the rest follow, least loaded first, as failover candidates.
 */
function powerOfTwo(
  hosts: readonly HostLoad[],
  ok: (h: HostLoad) => boolean,
  count: number,
  random: () => number,
  isWarm: ((id: string) => boolean) | undefined,
): PickResult {
  if (count === 1) {
    const only = nth(hosts, ok, 0).id;
    return { order: [only], reason: 'p2c', warm: isWarm?.(only) ?? false };
  }
  const i = Math.floor(random() * count) % count;
  let j = Math.floor(random() * (count - 1)) % (count - 1);
  if (j >= i) j += 1;
  const a = nth(hosts, ok, i);
  const b = nth(hosts, ok, j);
  const winner = b.inflight < a.inflight ? b : a;
  const order = leastLoaded(hosts, (h) => h !== winner && ok(h));
  order.unshift(winner.id);
  return { order, reason: 'p2c', warm: isWarm?.(winner.id) ?? false };
}

/** Moves `order[index]` to the front, in place (the array is this pick's own). */
function moveToFront(order: string[], index: number): string[] {
  if (index === 0) return order;
  const [id] = order.splice(index, 1);
  order.unshift(id!);
  return order;
}
