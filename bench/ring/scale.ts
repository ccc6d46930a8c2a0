import { EligibleLoad } from '../../gateway/balancer/eligible-load.ts';
import { type HostLoad, pick } from '../../gateway/balancer/pick.ts';
import { createRing, type Ring, type RingMember } from '../../gateway/ring.ts';
import { cachedRing } from '../../gateway/ring-cache.ts';
import { createTableRing, GATEWAY_RING_BUCKETS, type TableRing } from '../../gateway/ring-table.ts';
import { seededRandom } from '../../lib/random.ts';
import type { ResultTable } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import { randomIds } from './measure.ts';

/** CPU milliseconds (user + system) of this process since `from` (a `process.cpuUsage()`). */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/** Options of the scale simulation. */
export interface ScaleOptions {
  /** Runtime ids (1,000,000 in the full run). */
  ids: number;
  /** Fleet sizes whose lookup cost is compared. */
  sizes: number[];
  /** Joins and leaves applied to the largest fleet, alternating. */
  changes: number;
  /** Zipf exponent of the demand over the ids. */
  zipf: number;
}

/** What one fleet size cost. */
export interface ScaleSizeRow {
  n: number;
  buckets: number;
  /** CPU ms of the build (this process; the machine is shared, so wall time would measure others). */
  buildMs: number;
  tableBytes: number;
  /** Nanoseconds per lookup, over batches of 256 Zipf-drawn ids: p50 and p99 of the batches. */
  tableNs: { p50: number; p99: number };
  /** The same for `candidates(key, 1)` of the plain rendezvous ring (scores every host). */
  plainNs: { p50: number; p99: number };
  /** The gateway's whole `pick()` as the fleet ran it before the table (plain ring, 10,000-order cache). */
  pickNs: { p50: number; p99: number };
  /** The gateway's whole `pick()` on the table ring, as the fleet runs it now. */
  tablePickNs: { p50: number; p99: number };
}

/** One membership change on the largest fleet. */
export interface ScaleChangeRow {
  change: string;
  updateMs: number;
  /** Share of ids whose first host changed ÷ the ideal share (the changed host's weight share). */
  movedVsIdeal: number;
  /** Ids whose first host changed between two hosts that were both there before and after (must be 0). */
  movedBetweenOthers: number;
}

/** Zipf(s) sampler over `n` items by inverse CDF (binary search of the cumulative weights). */
function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** ns per call of `lookup`, per batch of 256 keys drawn from `draws`; p50 and p99 over the batches. */
function timeLookups(lookup: (key: string) => unknown, keys: readonly string[], draws: Int32Array) {
  const batch = 256;
  const samples: number[] = [];
  let sink = 0;
  for (let start = 0; start + batch <= draws.length; start += batch) {
    const t0 = process.hrtime.bigint();
    for (let i = start; i < start + batch; i++) sink ^= (lookup(keys[draws[i]!]!) as unknown[]).length;
    samples.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  if (sink < 0) throw new Error('unreachable');
  samples.sort((a, b) => a - b);
  return { p50: median(samples), p99: samples[Math.floor(samples.length * 0.99)] ?? Number.NaN };
}

function fleet(n: number, from = 1): RingMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `executor-${from + i}`, weight: 1 }));
}

function firstHosts(ring: TableRing, ids: readonly string[]): string[] {
  return ids.map((id) => ring.candidates(id, 1)[0]!);
}

/**
 * The scale simulation of `bench:ring` (issue 15): table-ring lookup cost against fleet size with
 * Zipf demand over `ids` runtime ids, and joins and leaves on the largest fleet (update time, keys
 * moved against the ideal share, keys moved between hosts that did not change).
 */
export function runScale(o: ScaleOptions): { tables: ResultTable[]; data: unknown } {
  const random = seededRandom(0x15);
  const ids = randomIds(o.ids, random);
  const draw = zipfSampler(o.ids, o.zipf, seededRandom(0x21f));
  const draws = Int32Array.from({ length: 64 * 1024 }, () => draw());
  const plainKeys = ids.slice(0, 4096);
  const plainDraws = Int32Array.from({ length: 8 * 1024 }, (_, i) => draws[i]! % plainKeys.length);

  const sizes: ScaleSizeRow[] = [];
  let largest: { ring: TableRing; members: RingMember[] } | undefined;
  for (const n of o.sizes) {
    const members = fleet(n);
    const t0 = process.cpuUsage();
    const ring = createTableRing(members, { buckets: GATEWAY_RING_BUCKETS });
    const buildMs = cpuMs(t0);
    const plain = createRing(members);
    // Warm both up once, then time.
    timeLookups((k) => ring.candidates(k, 1), ids, draws.subarray(0, 4096));
    const hosts: HostLoad[] = members.map((m, i) => ({
      id: m.id,
      state: 'active',
      healthy: true,
      inflight: i % 3,
    }));
    const byId = new Map(hosts.map((h) => [h.id, h]));
    const counts = new EligibleLoad();
    counts.reset(hosts);
    const fleetRing = cachedRing(plain, 10_000);
    const pickOn =
      (r: Ring, warmHosts: (() => readonly string[]) | undefined, kept?: EligibleLoad) => (key: string) =>
        pick({
          key,
          addressing: 'anycast-efficient',
          hosts,
          ring: r,
          isWarm: () => false,
          warmHosts,
          loadFactor: 1.25,
          loadFloor: 4,
          random: Math.random,
          hostOf: (id) => byId.get(id),
          loadOf: (id) => byId.get(id)?.inflight ?? 0,
          counts: kept,
        }).order;
    const noWarm = () => [];
    sizes.push({
      pickNs: timeLookups(pickOn(fleetRing, undefined), ids, draws.subarray(0, 16 * 1024)),
      tablePickNs: timeLookups(pickOn(ring, noWarm), ids, draws.subarray(0, 16 * 1024)),
      n,
      buckets: ring.buckets,
      buildMs,
      tableBytes: ring.tableBytes,
      tableNs: timeLookups((k) => ring.candidates(k, 1), ids, draws),
      plainNs: timeLookups((k) => plain.candidates(k, 1), plainKeys, plainDraws),
    });
    process.stderr.write(`[ring scale] N=${n}: built in ${Math.round(buildMs)} ms\n`);
    largest = { ring, members };
  }

  const changes: ScaleChangeRow[] = [];
  if (largest !== undefined) {
    let { ring, members } = largest;
    let before = firstHosts(ring, ids);
    let nextId = members.length + 1;
    for (let c = 0; c < o.changes; c++) {
      const join = c % 2 === 0;
      let changed: string;
      let next: RingMember[];
      if (join) {
        changed = `executor-${nextId++}`;
        next = [...members, { id: changed, weight: 1 }];
      } else {
        changed = members[Math.floor(random() * members.length)]!.id;
        next = members.filter((m) => m.id !== changed);
      }
      const t0 = process.cpuUsage();
      const updated = ring.update(next);
      const updateMs = cpuMs(t0);
      const after = firstHosts(updated, ids);
      let moved = 0;
      let between = 0;
      for (let i = 0; i < ids.length; i++) {
        if (before[i] === after[i]) continue;
        moved += 1;
        if (before[i] !== changed && after[i] !== changed) between += 1;
      }
      const ideal = 1 / Math.max(members.length, next.length);
      changes.push({
        change: `${join ? 'join' : 'leave'} ${changed} (${members.length} → ${next.length} hosts)`,
        updateMs,
        movedVsIdeal: moved / ids.length / ideal,
        movedBetweenOthers: between,
      });
      ring = updated;
      members = next;
      before = after;
    }
  }

  const moved = changes.map((c) => c.movedVsIdeal);
  const tables: ResultTable[] = [
    {
      title: `Ring at scale: lookup cost with Zipf(s = ${o.zipf}) demand over ${o.ids.toLocaleString('en')} runtime ids`,
      columns: [
        'hosts N',
        'buckets',
        'table build, CPU ms',
        'table memory',
        'table lookup ns p50 / p99',
        'plain rendezvous ns p50 / p99',
        'pick() on the plain ring (before) ns p50 / p99',
        'pick() on the table ring (the gateway) ns p50 / p99',
      ],
      rows: sizes.map((s) => [
        s.n,
        s.buckets,
        round(s.buildMs, 0),
        `${round(s.tableBytes / 2 ** 20, 1)} MiB`,
        `${round(s.tableNs.p50, 0)} / ${round(s.tableNs.p99, 0)}`,
        `${round(s.plainNs.p50, 0)} / ${round(s.plainNs.p99, 0)}`,
        `${round(s.pickNs.p50, 0)} / ${round(s.pickNs.p99, 0)}`,
        `${round(s.tablePickNs.p50, 0)} / ${round(s.tablePickNs.p99, 0)}`,
      ]),
      notes: [
        "`candidates(id, 1)` per call, timed in batches of 256 ids drawn from the Zipf demand; p50 / p99 over the batches. The plain ring is `gateway/ring.ts` (scores every host), over 4,096 of the ids. `pick()` is `gateway/balancer/pick.ts` over 16,384 draws with hosts carrying 0–2 requests (under the cap): “before” on the plain ring behind the former 10,000-order cache (it asks for full orders), “table ring” on this table as the gateway runs it, reading the bucket's prefix (depth 8) and asking for a full order only when a warm host lies past it or every prefix host is full.",
      ],
    },
    {
      title: `Ring at scale: ${changes.length} joins and leaves on ${o.sizes.at(-1)} hosts, ${o.ids.toLocaleString('en')} ids`,
      columns: ['change', 'update, CPU ms', 'ids moved ÷ ideal', 'ids moved between unchanged hosts'],
      rows: changes.map((c) => [
        c.change,
        round(c.updateMs, 0),
        round(c.movedVsIdeal, 3),
        c.movedBetweenOthers,
      ]),
      notes: [
        `Ids moved ÷ ideal over the changes: mean ${round(moved.reduce((a, b) => a + b, 0) / Math.max(1, moved.length), 3)}, min ${round(Math.min(...moved), 3)}, max ${round(Math.max(...moved), 3)}; the ideal is 1 ÷ hosts (the changed host's share). "Update" is \`TableRing.update\`: added hosts are scored against every bucket, buckets that held a removed host in their prefix are rescanned.`,
      ],
    },
  ];
  return { tables, data: { options: o, sizes, changes } };
}
