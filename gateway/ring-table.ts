import { fmix32, murmur3 } from './hash.ts';
import type { Ring, RingMember } from './ring.ts';

/** How a table ring is sized. */
export interface RingTableOptions {
  /** Buckets (a power of two); default: 64 per member, at least 4,096, at most 65,536. */
  buckets?: number;
  /** Preference prefix kept per bucket (served without scoring any host); default 8. */
  depth?: number;
  /** Full orders kept for buckets asked past `depth` (most recent first out); default 1,024. */
  fullOrders?: number;
}

/** A ring whose lookups do not grow with the number of hosts, updated in place on membership changes. */
export interface TableRing extends Ring {
  readonly buckets: number;
  readonly depth: number;
  /** Bytes held by the table (host prefix and scores; full orders excepted). */
  readonly tableBytes: number;
  /** A new table for `members`, reusing this one where it can (only changed hosts are scored). */
  update(members: readonly RingMember[]): TableRing;
}

/**
 * The gateway's bucket count, the same at any fleet size: gateways agree only on tables of the same
 * size, and a size that followed the host count would remap every key when it changed.
 */
export const GATEWAY_RING_BUCKETS = 65_536;

const KEY_SEED = 0x2545f491;
const SEED_A = 0x9747b28c;
const SEED_B = 0x5bd1e995;
const TWO_POW_20 = 2 ** 20;
const TWO_POW_52 = 2 ** 52;

interface Host {
  id: string;
  weight: number;
  a: number;
  b: number;
}

/**
 * Weighted rendezvous hashing on a precomputed table (issue 15): a key hashes to one of B buckets;
 * each bucket holds the first `depth` hosts of its rendezvous order (the same score as `ring.ts`,
 * -weight / ln(u), over the bucket number instead of the key), so a lookup reads a few entries of a
 * typed array instead of scoring N hosts. Properties, as rendezvous at bucket granularity:
 *
 * - agreement: the table depends only on the member set (sorted by id), never on history or process;
 * - disruption: a bucket's order changes only where the changed host sits in it: removing a host moves
 *   exactly its keys, adding one moves to it only keys it now wins (~ weight ÷ Σweight);
 * - weights: a host wins a bucket with probability weight ÷ Σweight; the balance of keys over hosts is
 *   that of B buckets (64 per host by default, 65 at 1,000 hosts) rather than of the keys themselves.
 *
 * Building scores B × N pairs once; `update` scores only the added hosts against every bucket and
 * rescans only the buckets whose prefix held a removed host. Orders past the prefix (rare: failover
 * past `depth` hosts) are computed per bucket and kept in a bounded cache.
 */
export function createTableRing(members: readonly RingMember[], options: RingTableOptions = {}): TableRing {
  const hosts = normalise(members);
  const buckets = options.buckets ?? defaultBuckets(hosts.length);
  if (!(buckets > 0) || (buckets & (buckets - 1)) !== 0) {
    throw new RangeError(`ring table: buckets must be a power of two, got ${buckets}`);
  }
  const depth = Math.max(1, Math.floor(options.depth ?? 8));
  const table = emptyTable(buckets, depth);
  for (let bucket = 0; bucket < buckets; bucket++) fillBucket(table, bucket, hosts, depth);
  return wrap(hosts, table, buckets, depth, options.fullOrders ?? 1024);
}

/** 64 buckets per host, within [4,096, 65,536], rounded up to a power of two. */
function defaultBuckets(n: number): number {
  const wanted = Math.min(65_536, Math.max(4096, n * 64));
  return 2 ** Math.ceil(Math.log2(wanted));
}

interface Table {
  /** Host index + 1 per (bucket, rank); 0: empty. */
  index: Int32Array;
  score: Float64Array;
}

function emptyTable(buckets: number, depth: number): Table {
  return { index: new Int32Array(buckets * depth), score: new Float64Array(buckets * depth) };
}

function normalise(members: readonly RingMember[]): Host[] {
  const seen = new Set<string>();
  const hosts: Host[] = [];
  for (const m of members) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    if (!(m.weight > 0) || !Number.isFinite(m.weight)) {
      throw new RangeError(`ring member "${m.id}": weight must be a positive number, got ${m.weight}`);
    }
    hosts.push({ id: m.id, weight: m.weight, a: murmur3(m.id, SEED_A), b: murmur3(m.id, SEED_B) });
  }
  hosts.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return hosts;
}

/** The rendezvous score of `host` for bucket `bucket` (ties broken by the caller on index). */
function score(host: Host, bucket: number): number {
  return scoreWith(host, fmix32(bucket ^ SEED_A), fmix32(bucket ^ SEED_B));
}

/** `score` with the bucket's two hashes computed once by the caller. */
function scoreWith(host: Host, ka: number, kb: number): number {
  const x = fmix32(ka ^ host.a);
  const y = fmix32((kb + host.b) ^ x);
  const u = (x * TWO_POW_20 + (y >>> 12) + 0.5) / TWO_POW_52;
  return -host.weight / Math.log(u);
}

/** Whether (s1, i1) ranks before (s2, i2): higher score first, then lower host index. */
function before(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 > s2 || (s1 === s2 && i1 < i2);
}

/** Inserts host `h` (index `i`, score `s`) into bucket `bucket`'s prefix if it ranks there. */
function offer(t: Table, bucket: number, depth: number, i: number, s: number): void {
  const base = bucket * depth;
  let pos = depth;
  while (pos > 0) {
    const j = t.index[base + pos - 1]!;
    if (j !== 0 && !before(s, i, t.score[base + pos - 1]!, j - 1)) break;
    pos -= 1;
  }
  if (pos >= depth) return;
  for (let k = depth - 1; k > pos; k--) {
    t.index[base + k] = t.index[base + k - 1]!;
    t.score[base + k] = t.score[base + k - 1]!;
  }
  t.index[base + pos] = i + 1;
  t.score[base + pos] = s;
}

function fillBucket(t: Table, bucket: number, hosts: readonly Host[], depth: number): void {
  const base = bucket * depth;
  t.index.fill(0, base, base + depth);
  const ka = fmix32(bucket ^ SEED_A);
  const kb = fmix32(bucket ^ SEED_B);
  const last = base + depth - 1;
  for (let i = 0; i < hosts.length; i++) {
    const s = scoreWith(hosts[i]!, ka, kb);
    // Most hosts rank below a full prefix: one comparison rejects them.
    if (t.index[last] !== 0 && s <= t.score[last]!) continue;
    offer(t, bucket, depth, i, s);
  }
}

function wrap(hosts: Host[], t: Table, buckets: number, depth: number, fullOrders: number): TableRing {
  const members: readonly RingMember[] = Object.freeze(
    hosts.map((h) => Object.freeze({ id: h.id, weight: h.weight })),
  );
  const full = new Map<number, readonly string[]>();
  const mask = buckets - 1;

  function fullOrder(bucket: number): readonly string[] {
    let order = full.get(bucket);
    if (order !== undefined) return order;
    const scored = hosts.map((h, i) => ({ i, s: score(h, bucket) }));
    scored.sort((p, q) => q.s - p.s || p.i - q.i);
    order = Object.freeze(scored.map((p) => hosts[p.i]!.id));
    if (full.size >= fullOrders) {
      const oldest = full.keys().next().value;
      if (oldest !== undefined) full.delete(oldest);
    }
    full.set(bucket, order);
    return order;
  }

  return {
    members,
    buckets,
    depth,
    tableBytes: t.index.byteLength + t.score.byteLength,
    candidates(key: string, n = hosts.length): string[] {
      const count = Math.min(Math.max(0, Math.floor(n)), hosts.length);
      const bucket = murmur3(key, KEY_SEED) & mask;
      if (count <= depth) {
        const out: string[] = [];
        const base = bucket * depth;
        for (let k = 0; k < count; k++) out.push(hosts[t.index[base + k]! - 1]!.id);
        return out;
      }
      return fullOrder(bucket).slice(0, count);
    },
    update(next: readonly RingMember[]): TableRing {
      return updateTable(hosts, t, buckets, depth, fullOrders, next);
    },
  };
}

/**
 * The table for `next` from the one for `hosts`: buckets whose prefix held a removed host are
 * rescanned; every other bucket keeps its prefix (re-indexed) and is offered the added hosts.
 * Changed weights count as a removal plus an addition.
 */
function updateTable(
  hosts: readonly Host[],
  t: Table,
  buckets: number,
  depth: number,
  fullOrders: number,
  next: readonly RingMember[],
): TableRing {
  // From nothing, every bucket is scanned anyway: the build scores each bucket's hashes once.
  if (hosts.length === 0) return createTableRing(next, { buckets, depth, fullOrders });
  const nextHosts = normalise(next);
  const oldByKey = new Map(hosts.map((h, i) => [`${h.id}\u0000${h.weight}`, i]));
  const newIndex = new Int32Array(hosts.length).fill(-1);
  const added: number[] = [];
  nextHosts.forEach((h, i) => {
    const old = oldByKey.get(`${h.id}\u0000${h.weight}`);
    if (old === undefined) added.push(i);
    else newIndex[old] = i;
  });
  const nt = emptyTable(buckets, depth);
  for (let bucket = 0; bucket < buckets; bucket++) {
    const base = bucket * depth;
    let lost = false;
    let w = 0;
    for (let k = 0; k < depth; k++) {
      const j = t.index[base + k]!;
      if (j === 0) continue;
      const ni = newIndex[j - 1]!;
      if (ni < 0) {
        lost = true;
        break;
      }
      nt.index[base + w] = ni + 1;
      nt.score[base + w] = t.score[base + k]!;
      w += 1;
    }
    if (lost) {
      fillBucket(nt, bucket, nextHosts, depth);
      continue;
    }
    for (const i of added) offer(nt, bucket, depth, i, score(nextHosts[i]!, bucket));
  }
  return wrap(nextHosts, nt, buckets, depth, fullOrders);
}
