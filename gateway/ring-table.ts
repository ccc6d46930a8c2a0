import { fmix32, murmur3 } from './hash.ts';
import type { Ring, RingMember } from './ring.ts';
import { balanceOwners } from './ring-balance.ts';
import { type RingPoint, rendezvousScore, ringPoints, SEED_A, SEED_B } from './ring-points.ts';

/** How a table ring is sized. */
export interface RingTableOptions {
  /** Buckets (a power of two); default: 64 per member, at least 4,096, at most 65,536. */
  buckets?: number;
  /** Preference prefix kept per bucket (served without scoring any host); default 8. */
  depth?: number;
  /** Full orders kept for buckets asked past `depth` (most recent first out); default 1,024. */
  fullOrders?: number;
  /**
   * Serve each bucket from a balanced owner (`ring-balance.ts`) once the table is complete: every host
   * gets ⌊B·w/W⌋ or ⌈B·w/W⌉ buckets (within ± `balanceTolerance` of that share when given). Default
   * false: every bucket is served by its rendezvous winner. Not the gateway's: balanced exactly, a join
   * or leave at 1,000 hosts moved 3.7–4.4× the ideal share of keys (`bench:ring`, bench/results/ring.md).
   */
  balance?: boolean;
  /** Allowed deviation of a balanced host's buckets from its share, as a fraction; default 0. */
  balanceTolerance?: number;
}

/** A ring whose lookups do not grow with the number of hosts, updated in place on membership changes. */
export interface TableRing extends Ring {
  readonly buckets: number;
  readonly depth: number;
  /** Bytes held by the table (host prefix and scores; full orders excepted). */
  readonly tableBytes: number;
  /** Buckets not computed yet (0: the table is complete). A lookup computes its own bucket first. */
  readonly pending: number;
  /**
   * Computes pending buckets for about `work` host scores (at least one bucket); whether the table is
   * complete. The caller spreads this over turns of the event loop (`ring-fill.ts`).
   */
  fill(work: number): boolean;
  /** Buckets whose first host is each member (computes pending buckets): the table's real shares. */
  bucketCounts(): Map<string, number>;
  /**
   * The table for `members`, at once and without scoring anything yet: every bucket is computed on
   * its first lookup or by `fill`, from this table's bucket where that one is computed (only changed
   * hosts are scored), else from scratch. Its answers are those of a table built from `members`.
   */
  update(members: readonly RingMember[]): TableRing;
}

/**
 * The gateway's bucket count, the same at any fleet size: gateways agree only on tables of the same
 * size, and a size that followed the host count would remap every key when it changed.
 */
export const GATEWAY_RING_BUCKETS = 65_536;

const KEY_SEED = 0x2545f491;
type Host = RingPoint;

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
 * Building scores B × N pairs (≈ 2 s of CPU at 1,000 hosts and 65,536 buckets): `createTableRing`
 * does it at once; `update` returns a table whose buckets are all pending, each computed on its first
 * lookup (at most N scores) or by `fill` (the gateway spreads that over turns of the event loop,
 * `ring-fill.ts`), so no membership change blocks the process. A pending bucket is derived from the
 * previous table's: only the added hosts are scored against it, and it is rescanned only when its
 * prefix held a removed host. Orders past the prefix (rare: failover past `depth` hosts) are computed
 * per bucket and kept in a bounded cache.
 */
export function createTableRing(members: readonly RingMember[], options: RingTableOptions = {}): TableRing {
  const hosts = ringPoints(members);
  const buckets = options.buckets ?? defaultBuckets(hosts.length);
  if (!(buckets > 0) || (buckets & (buckets - 1)) !== 0) {
    throw new RangeError(`ring table: buckets must be a power of two, got ${buckets}`);
  }
  const depth = Math.max(1, Math.floor(options.depth ?? 8));
  const ring = wrap(hosts, emptyTable(buckets, depth), undefined, {
    buckets,
    depth,
    fullOrders: options.fullOrders ?? 1024,
    balance: options.balance ?? false,
    tolerance: options.balanceTolerance ?? 0,
  });
  ring.fill(Number.POSITIVE_INFINITY);
  return ring;
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
  /** 1 per bucket not computed yet. */
  pending: Uint8Array;
  /** Buckets not computed yet. */
  left: number;
}

function emptyTable(buckets: number, depth: number): Table {
  return {
    index: new Int32Array(buckets * depth),
    score: new Float64Array(buckets * depth),
    pending: new Uint8Array(buckets).fill(1),
    left: buckets,
  };
}

/** A table's fixed shape: the same through every update. */
interface Shape {
  buckets: number;
  depth: number;
  fullOrders: number;
  balance: boolean;
  tolerance: number;
}

/** What a table updated from another derives its buckets from. */
interface Source {
  table: Table;
  /** Per host index of the source table: its index in the new host list, −1 when it left. */
  newIndex: Int32Array;
  /** Indexes (new list) of the hosts the source does not have. */
  added: number[];
}

/** The rendezvous score of `host` for bucket `bucket` (ties broken by the caller on index). */
function score(host: Host, bucket: number): number {
  return rendezvousScore(host, fmix32(bucket ^ SEED_A), fmix32(bucket ^ SEED_B));
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
    const s = rendezvousScore(hosts[i]!, ka, kb);
    // Most hosts rank below a full prefix: one comparison rejects them.
    if (t.index[last] !== 0 && s <= t.score[last]!) continue;
    offer(t, bucket, depth, i, s);
  }
}

function wrap(hosts: Host[], t: Table, source: Source | undefined, shape: Shape): TableRing {
  const { buckets, depth, fullOrders } = shape;
  const members: readonly RingMember[] = Object.freeze(
    hosts.map((h) => Object.freeze({ id: h.id, weight: h.weight })),
  );
  const full = new Map<number, readonly string[]>();
  const mask = buckets - 1;
  let cursor = 0;
  // Dropped once every bucket is computed: the source table is then garbage.
  let from = source;
  // Balanced owner per bucket (host index), set once every bucket is computed; until then a bucket is
  // served by its rendezvous winner.
  let owner: Int32Array | undefined;

  /** Computes pending bucket `bucket`; its cost in host scores. */
  function compute(bucket: number): number {
    t.pending[bucket] = 0;
    t.left -= 1;
    const cost = from !== undefined ? derive(t, bucket, from, hosts, depth) : scan(t, bucket, hosts, depth);
    if (t.left === 0) {
      from = undefined;
      if (shape.balance && hosts.length > 0) {
        owner = balanceOwners({
          buckets,
          depth,
          index: t.index,
          score: t.score,
          weights: hosts.map((h) => h.weight),
          fullOrder: (b) => fullIndexes(hosts, b),
          tolerance: shape.tolerance,
        });
        return cost + BALANCE_COST_PER_BUCKET * buckets;
      }
    }
    return cost;
  }

  /** The host index bucket `bucket` is served by first. */
  function first(bucket: number): number {
    return owner !== undefined ? owner[bucket]! : t.index[bucket * depth]! - 1;
  }

  function fullOrder(bucket: number): readonly string[] {
    let order = full.get(bucket);
    if (order !== undefined) return order;
    const indexes = fullIndexes(hosts, bucket);
    const head = first(bucket);
    order = Object.freeze([
      hosts[head]!.id,
      ...Array.from(indexes, (i) => hosts[i]!.id).filter((_, k) => indexes[k] !== head),
    ]);
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
    tableBytes:
      t.index.byteLength + t.score.byteLength + t.pending.byteLength + (shape.balance ? 4 * buckets : 0),
    get pending() {
      return t.left;
    },
    fill(work: number): boolean {
      let spent = 0;
      while (t.left > 0 && spent < work) {
        while (t.pending[cursor] === 0) cursor += 1;
        spent += compute(cursor);
      }
      return t.left === 0;
    },
    candidates(key: string, n = hosts.length): string[] {
      const count = Math.min(Math.max(0, Math.floor(n)), hosts.length);
      const bucket = murmur3(key, KEY_SEED) & mask;
      if (count <= depth) {
        if (t.pending[bucket] === 1) compute(bucket);
        const out: string[] = [];
        if (count === 0) return out;
        const head = first(bucket);
        out.push(hosts[head]!.id);
        const base = bucket * depth;
        for (let k = 0; k < depth && out.length < count; k++) {
          const i = t.index[base + k]! - 1;
          if (i >= 0 && i !== head) out.push(hosts[i]!.id);
        }
        return out;
      }
      return fullOrder(bucket).slice(0, count);
    },
    bucketCounts(): Map<string, number> {
      const counts = new Map<string, number>();
      if (hosts.length === 0) return counts;
      for (let bucket = 0; bucket < buckets; bucket++) {
        if (t.pending[bucket] === 1) compute(bucket);
      }
      for (let bucket = 0; bucket < buckets; bucket++) {
        const id = hosts[first(bucket)]!.id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    update(next: readonly RingMember[]): TableRing {
      return updateTable(hosts, t, shape, next);
    },
  };
}

/**
 * What computing one bucket costs besides its host scores, in host scores: hashing the bucket and
 * writing its prefix (≈ 1.3 µs against ≈ 30 ns a score, measured by `bench:ring` at 10 and 1,000 hosts).
 */
const BUCKET_COST = 40;

/** What balancing a complete table costs per bucket, in host scores (`ring-balance.ts`). */
const BALANCE_COST_PER_BUCKET = 10;

/** Every host index in bucket `bucket`'s rendezvous order. */
function fullIndexes(hosts: readonly Host[], bucket: number): Int32Array {
  const scores = hosts.map((h) => score(h, bucket));
  return Int32Array.from(hosts.keys()).sort((i, j) => scores[j]! - scores[i]! || i - j);
}

/** Scans every host for bucket `bucket`'s prefix; its cost in host scores. */
function scan(t: Table, bucket: number, hosts: readonly Host[], depth: number): number {
  fillBucket(t, bucket, hosts, depth);
  return hosts.length + BUCKET_COST;
}

/**
 * Bucket `bucket` of `t` from the source table's: a source bucket not computed, or whose prefix held
 * a host that left, is scanned; any other keeps its prefix (re-indexed) and is offered the added
 * hosts. Its cost in host scores (copying the prefix counted as `depth`).
 */
function derive(t: Table, bucket: number, from: Source, hosts: readonly Host[], depth: number): number {
  const s = from.table;
  if (s.pending[bucket] === 1) return scan(t, bucket, hosts, depth);
  const base = bucket * depth;
  let w = 0;
  for (let k = 0; k < depth; k++) {
    const j = s.index[base + k]!;
    if (j === 0) continue;
    const ni = from.newIndex[j - 1]!;
    if (ni < 0) return scan(t, bucket, hosts, depth);
    t.index[base + w] = ni + 1;
    t.score[base + w] = s.score[base + k]!;
    w += 1;
  }
  for (const i of from.added) offer(t, bucket, depth, i, score(hosts[i]!, bucket));
  return from.added.length + depth;
}

/**
 * The table for `next` from the one for `hosts`, every bucket pending: computed on its first lookup
 * or by `fill`. Changed weights count as a removal plus an addition.
 */
function updateTable(hosts: readonly Host[], t: Table, shape: Shape, next: readonly RingMember[]): TableRing {
  const nextHosts = ringPoints(next);
  const nt = emptyTable(shape.buckets, shape.depth);
  // From nothing, every bucket is scanned anyway.
  if (hosts.length === 0) return wrap(nextHosts, nt, undefined, shape);
  const oldByKey = new Map(hosts.map((h, i) => [`${h.id}\u0000${h.weight}`, i]));
  const newIndex = new Int32Array(hosts.length).fill(-1);
  const added: number[] = [];
  nextHosts.forEach((h, i) => {
    const old = oldByKey.get(`${h.id}\u0000${h.weight}`);
    if (old === undefined) added.push(i);
    else newIndex[old] = i;
  });
  return wrap(nextHosts, nt, { table: t, newIndex, added }, shape);
}
