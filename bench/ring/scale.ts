import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gatewaySchema } from '../../config/schema/index.ts';
import { EligibleLoad } from '../../gateway/balancer/eligible-load.ts';
import { type HostLoad, type PickInput, pick } from '../../gateway/balancer/pick.ts';
import { ReplicaTable } from '../../gateway/balancer/replicas.ts';
import { RuntimeLoads } from '../../gateway/balancer/runtime-loads.ts';
import { PlacementMap } from '../../gateway/hosts/placement.ts';
import { createRing, type RingMember } from '../../gateway/ring.ts';
import { type FillReport, fillInBackground, RING_FILL_WORK } from '../../gateway/ring-fill.ts';
import { createTableRing, GATEWAY_RING_BUCKETS, type TableRing } from '../../gateway/ring-table.ts';
import { seededRandom } from '../../lib/random.ts';
import type { ResultTable } from '../lib/results.ts';
import { mean, median, round } from '../lib/stats.ts';
import { balanceTable, type PlannedChange, runBalance } from './balance.ts';
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
  /** Rounds of the interleaved pick timing (each round times every size and variant in turn). */
  rounds: number;
}

type Quantiles = { p50: number; p99: number };

/** What one fleet size cost. */
export interface ScaleSizeRow {
  n: number;
  buckets: number;
  /** CPU ms of a build at once (`createTableRing`; this process, so others' load does not count). */
  buildMs: number;
  /**
   * The same table filled in the background (`update` + `fillInBackground`), as the gateway does;
   * turn lengths and elapsed in CPU ms of this process, the loop delay in wall time.
   */
  fill: FillReport & { cpuMs: number; loopDelayMaxMs: number };
  tableBytes: number;
  /** Nanoseconds per `candidates(key, 1)`, over batches of 256 Zipf-drawn ids: p50 and p99 of the batches. */
  tableNs: Quantiles;
  /** The same for the plain rendezvous ring (scores every host). */
  plainNs: Quantiles;
  /** `pick()` counting eligible hosts and their load in one pass over every host (before). */
  passPickNs: Quantiles;
  /** `pick()` with the counts kept by the fleet (the gateway now). */
  keptPickNs: Quantiles;
}

/** One membership change on the largest fleet. */
export interface ScaleChangeRow {
  change: string;
  /** CPU ms to complete the new table (`update` then every pending bucket). */
  updateMs: number;
  /** `pick()` right after the change, the table still pending (lookups compute their buckets). */
  pendingPickNs: Quantiles;
  /** Share of ids whose first host changed ÷ the ideal share (the changed host's weight share). */
  movedVsIdeal: number;
  /** Ids moved ÷ ids the changed host held (before a leave, after a join): 1 is minimal disruption. */
  movedVsHeld: number;
  /** Buckets the changed host holds ÷ the ideal B ÷ N: the bucket granularity. */
  bucketsVsIdeal: number;
  /** Ids per bucket of the changed host's buckets ÷ ids per bucket overall: the ids' own spread. */
  idsPerBucketVsMean: number;
  /** Ids whose first host changed between two hosts that were both there before and after (must be 0). */
  movedBetweenOthers: number;
}

/** Heap held by one piece of placement and popularity state. */
export interface MemoryRow {
  what: string;
  entries: number;
  /** Bytes of V8 heap plus array buffers, after a full GC, over the state's absence. */
  bytes: number;
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

const BATCH = 256;

/**
 * CPU ns per call of `lookup`, per batch of 256 keys drawn from `draws`, appended to `samples`. CPU
 * time (µs-exact on Linux) rather than wall time: on a shared machine a batch preempted by another
 * process would otherwise count the other's time.
 */
function timeBatches(
  lookup: (key: string) => unknown,
  keys: readonly string[],
  draws: Int32Array,
  samples: number[] = [],
): number[] {
  let sink = 0;
  for (let start = 0; start + BATCH <= draws.length; start += BATCH) {
    const t0 = process.cpuUsage();
    for (let i = start; i < start + BATCH; i++) sink ^= (lookup(keys[draws[i]!]!) as unknown[]).length;
    samples.push((cpuMs(t0) * 1e6) / BATCH);
  }
  if (sink < 0) throw new Error('unreachable');
  return samples;
}

function quantiles(samples: number[]): Quantiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: median(sorted), p99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN };
}

function fleet(n: number, from = 1): RingMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `executor-${from + i}`, weight: 1 }));
}

function firstHosts(ring: TableRing, ids: readonly string[]): string[] {
  return ids.map((id) => ring.candidates(id, 1)[0]!);
}

/** A full garbage collection (the flag is set before the first call). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The table for `members` filled in the background, with the loop's longest delay meanwhile. */
async function backgroundFill(members: RingMember[]): Promise<ScaleSizeRow['fill']> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const ring = createTableRing([], { buckets: GATEWAY_RING_BUCKETS }).update(members);
  const cpu = process.cpuUsage();
  histogram.enable();
  // The turns timed in CPU ms of this process: what the fill itself holds the loop for.
  const report = await new Promise<FillReport>((resolve) =>
    fillInBackground(ring, resolve, RING_FILL_WORK, () => cpuMs(cpu)),
  );
  histogram.disable();
  return { ...report, cpuMs: cpuMs(cpu), loopDelayMaxMs: histogram.max / 1e6 };
}

/** A fleet of `members` as the gateway's pick sees it: hosts, their index and the kept counts. */
function pickFleet(members: readonly RingMember[]) {
  const hosts: HostLoad[] = members.map((m, i) => ({
    id: m.id,
    state: 'active',
    healthy: true,
    inflight: i % 3,
  }));
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const counts = new EligibleLoad();
  counts.reset(hosts);
  return { hosts, byId, counts };
}

/** The gateway's keyed pick for `key` on `ring` (warm placement from `placement`). */
function picker(
  ring: TableRing,
  members: readonly RingMember[],
  placement: PlacementMap,
  kept: boolean,
): (key: string) => string[] {
  const { hosts, byId, counts } = pickFleet(members);
  return (key) => {
    const input: PickInput = {
      key,
      addressing: 'anycast-efficient',
      hosts,
      ring,
      isWarm: (id) => placement.isWarm(key, id),
      warmHosts: () => placement.hosts(key),
      loadFactor: 1.25,
      loadFloor: 4,
      random: Math.random,
      hostOf: (id) => byId.get(id),
      loadOf: (id) => byId.get(id)?.inflight ?? 0,
      counts: kept ? counts : undefined,
    };
    return pick(input).order;
  };
}

/** A placement map as a gateway holds it after the Zipf demand: the most popular ids most recent. */
function warmPlacement(ring: TableRing, ids: readonly string[], maxEntries: number): PlacementMap {
  const placement = new PlacementMap(maxEntries);
  for (let i = ids.length - 1; i >= 0; i--) placement.markWarm(ids[i]!, ring.candidates(ids[i]!, 1)[0]!);
  return placement;
}

/**
 * Placement and popularity state at `ids.length` runtime ids: heap over its absence after a full GC.
 * The placement map at its configured bound and, for scale, unbounded; the replica table fed the
 * Zipf demand; per-runtime in-flight counts with 10,000 requests in flight.
 */
function measureMemory(
  ids: readonly string[],
  draws: Int32Array,
  owner: (key: string) => string,
  gc: () => void,
): MemoryRow[] {
  const defaults = gatewaySchema.parse(undefined);
  const rows: MemoryRow[] = [];
  const measure = (what: string, make: () => { size: number; keep: unknown }) => {
    gc();
    const before = heapBytes();
    const made = make();
    gc();
    rows.push({ what, entries: made.size, bytes: heapBytes() - before });
    if (made.keep === undefined) throw new Error('unreachable');
  };
  measure(`placement map, bound gateway.placement.maxEntries = ${defaults.placement.maxEntries}`, () => {
    const p = new PlacementMap(defaults.placement.maxEntries);
    for (let i = ids.length - 1; i >= 0; i--) p.markWarm(ids[i]!, owner(ids[i]!));
    return { size: p.size, keep: p };
  });
  measure('placement map, unbounded (every id warm somewhere)', () => {
    const p = new PlacementMap(ids.length);
    for (let i = ids.length - 1; i >= 0; i--) p.markWarm(ids[i]!, owner(ids[i]!));
    return { size: p.size, keep: p };
  });
  measure(`replica table, bound gateway.replicaTable = ${defaults.replicaTable}`, () => {
    // In flight per id: its draws among the last 256 (a burst of hot ids crosses the admission bar).
    const table = new ReplicaTable({
      perHost: 8,
      maxReplicas: defaults.maxReplicas,
      windowMs: defaults.replicaWindow,
      tableSize: defaults.replicaTable,
    });
    const window = new Map<number, number>();
    for (let i = 0; i < draws.length; i++) {
      const d = draws[i]!;
      window.set(d, (window.get(d) ?? 0) + 1);
      if (i >= 256) {
        const old = draws[i - 256]!;
        const n = window.get(old)! - 1;
        if (n > 0) window.set(old, n);
        else window.delete(old);
      }
      table.observe(ids[d]!, window.get(d)!, i);
    }
    return { size: table.size, keep: table };
  });
  measure('per-runtime in-flight counts, 10,000 requests in flight', () => {
    const loads = new RuntimeLoads();
    for (let i = 0; i < 10_000; i++) loads.add(ids[draws[i]!]!, owner(ids[draws[i]!]!), 1);
    return { size: loads.size, keep: loads };
  });
  return rows;
}

/**
 * The scale simulation of `bench:ring` (issue 15): pick cost against fleet size with Zipf demand over
 * `ids` runtime ids (timed interleaved, so every size meets the same machine load), the table filled
 * in the background, memory of placement and popularity state, and joins and leaves on the largest
 * fleet (pick cost while the new table fills, keys moved against the ideal share and why).
 */
export async function runScale(o: ScaleOptions): Promise<{ tables: ResultTable[]; data: unknown }> {
  const gc = collector();
  const random = seededRandom(0x15);
  const ids = randomIds(o.ids, random);
  const draw = zipfSampler(o.ids, o.zipf, seededRandom(0x21f));
  const draws = Int32Array.from({ length: 64 * 1024 }, () => draw());
  const plainKeys = ids.slice(0, 4096);
  const plainDraws = Int32Array.from({ length: 8 * 1024 }, (_, i) => draws[i]! % plainKeys.length);
  const maxEntries = gatewaySchema.parse(undefined).placement.maxEntries;

  const built = [];
  for (const n of o.sizes) {
    const members = fleet(n);
    const t0 = process.cpuUsage();
    const ring = createTableRing(members, { buckets: GATEWAY_RING_BUCKETS });
    const buildMs = cpuMs(t0);
    const fill = await backgroundFill(members);
    process.stderr.write(
      `[ring scale] N=${n}: built in ${Math.round(buildMs)} ms CPU; in the background ${fill.turns} turns, longest ${round(fill.longestTurnMs, 1)} ms\n`,
    );
    const placement = warmPlacement(ring, ids, maxEntries);
    built.push({
      n,
      members,
      ring,
      buildMs,
      fill,
      placement,
      pass: picker(ring, members, placement, false),
      kept: picker(ring, members, placement, true),
    });
  }

  // Pick timing interleaved: every round times every size and variant on its own slice of draws.
  const slice = 2048;
  const passSamples = built.map(() => [] as number[]);
  const keptSamples = built.map(() => [] as number[]);
  for (let r = 0; r < o.rounds; r++) {
    const part = draws.subarray((r * slice) % draws.length, ((r * slice) % draws.length) + slice);
    built.forEach((b, i) => {
      timeBatches(b.pass, ids, part, passSamples[i]);
      timeBatches(b.kept, ids, part, keptSamples[i]);
    });
  }
  const sizes: ScaleSizeRow[] = built.map((b, i) => {
    const plain = createRing(b.members);
    return {
      n: b.n,
      buckets: b.ring.buckets,
      buildMs: b.buildMs,
      fill: b.fill,
      tableBytes: b.ring.tableBytes,
      tableNs: quantiles(timeBatches((k) => b.ring.candidates(k, 1), ids, draws)),
      plainNs: quantiles(timeBatches((k) => plain.candidates(k, 1), plainKeys, plainDraws)),
      passPickNs: quantiles(passSamples[i]!),
      keptPickNs: quantiles(keptSamples[i]!),
    };
  });

  const largest = built.at(-1)!;
  const memory = measureMemory(ids, draws, (k) => largest.ring.candidates(k, 1)[0]!, gc);
  for (const b of built.slice(0, -1)) b.placement = new PlacementMap(1);

  const changes: ScaleChangeRow[] = [];
  const plan: PlannedChange[] = [];
  {
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
      plan.push({ join, id: changed });
      const t0 = process.cpuUsage();
      const updated = ring.update(next);
      const updateCpu = process.cpuUsage(t0);
      // Picks as requests arrive right after the change: each computes its bucket if still pending.
      const pendingPickNs = quantiles(
        timeBatches(picker(updated, next, largest.placement, true), ids, draws.subarray(0, 4096)),
      );
      const t1 = process.cpuUsage();
      updated.fill(Number.POSITIVE_INFINITY);
      const updateMs = (updateCpu.user + updateCpu.system) / 1000 + cpuMs(t1);
      const after = firstHosts(updated, ids);
      let moved = 0;
      let between = 0;
      let held = 0;
      for (let i = 0; i < ids.length; i++) {
        if ((join ? after[i] : before[i]) === changed) held += 1;
        if (before[i] === after[i]) continue;
        moved += 1;
        if (before[i] !== changed && after[i] !== changed) between += 1;
      }
      const hostsThen = Math.max(members.length, next.length);
      const buckets = (join ? updated : ring).bucketCounts().get(changed) ?? 0;
      const idealBuckets = ring.buckets / hostsThen;
      changes.push({
        change: `${join ? 'join' : 'leave'} ${changed} (${members.length} → ${next.length} hosts)`,
        updateMs,
        pendingPickNs,
        movedVsIdeal: moved / ids.length / (1 / hostsThen),
        movedVsHeld: held === 0 ? Number.NaN : moved / held,
        bucketsVsIdeal: buckets / idealBuckets,
        idsPerBucketVsMean: buckets === 0 ? Number.NaN : held / buckets / (ids.length / ring.buckets),
        movedBetweenOthers: between,
      });
      ring = updated;
      members = next;
      before = after;
    }
  }

  // Balanced bucket owners against the gateway's table, on the same changes (bench/ring/balance.ts).
  const balance = runBalance(largest.members, ids, plan);

  const r0 = (v: number) => round(v, 0);
  const q = (v: Quantiles) => `${r0(v.p50)} / ${r0(v.p99)}`;
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  const moved = changes.map((c) => c.movedVsIdeal);
  const bucketsF = changes.map((c) => c.bucketsVsIdeal);
  const idsF = changes.map((c) => c.idsPerBucketVsMean);
  const span = (v: number[]) =>
    `mean ${round(mean(v), 3)}, min ${round(Math.min(...v), 3)}, max ${round(Math.max(...v), 3)}`;
  const perHost = GATEWAY_RING_BUCKETS / last.n;
  const tables: ResultTable[] = [
    {
      title: `Ring at scale: pick cost with Zipf(s = ${o.zipf}) demand over ${o.ids.toLocaleString('en')} runtime ids`,
      columns: [
        'hosts N',
        'buckets',
        'table build at once, CPU ms',
        'built in the background: turns / mean and longest turn, CPU ms / event-loop delay max, wall ms',
        'table memory',
        'table lookup CPU ns p50 / p99',
        'plain rendezvous CPU ns p50 / p99',
        'pick(), one pass over the hosts (before) CPU ns p50 / p99',
        'pick(), counts kept (the gateway) CPU ns p50 / p99',
      ],
      rows: sizes.map((s) => [
        s.n,
        s.buckets,
        r0(s.buildMs),
        `${s.fill.turns} / ${round(s.fill.cpuMs / Math.max(1, s.fill.turns), 2)} and ${round(s.fill.longestTurnMs, 1)} / ${round(s.fill.loopDelayMaxMs, 1)}`,
        `${round(s.tableBytes / 2 ** 20, 1)} MiB`,
        q(s.tableNs),
        q(s.plainNs),
        q(s.passPickNs),
        q(s.keptPickNs),
      ]),
      notes: [
        `pick() with counts kept, p50 at ${last.n} hosts ÷ at ${first.n}: ${round(last.keptPickNs.p50 / first.keptPickNs.p50, 2)} (p99: ${round(last.keptPickNs.p99 / first.keptPickNs.p99, 2)}); with a pass over the hosts: ${round(last.passPickNs.p50 / first.passPickNs.p50, 2)}.`,
        `pick() is \`gateway/balancer/pick.ts\` as the gateway calls it: hosts carrying 0–2 requests (under the cap), the runtime warm on its first host for the ${maxEntries.toLocaleString('en')} most popular ids (a placement map at \`gateway.placement.maxEntries\`), timed in CPU time of this process in batches of 256 Zipf-drawn ids, ${o.rounds} rounds in which every size and both variants take turns (the machine's load hits them alike); p50 / p99 over the batches. "One pass" counts eligible hosts and their load on every pick (as before this change); "counts kept" reads \`EligibleLoad\`, updated on in-flight, health and membership changes.`,
        `Table build at once: \`createTableRing\`, B × N host scores in one call (it blocks the event loop that long). In the background: \`update\` from an empty table, then \`fillInBackground\` (${RING_FILL_WORK.toLocaleString('en')} host scores per turn); "mean and longest turn" are CPU times of the fill slices (what the fill holds the loop for; process CPU, so a GC thread's work during a slice counts in it), "event-loop delay max" the longest delay \`monitorEventLoopDelay\` saw meanwhile in wall time (1 ms resolution; on a loaded machine it includes time the process waited for a CPU). Lookups during the fill compute their own bucket (≤ N scores).`,
        'Table lookup: `candidates(id, 1)`; the plain ring is `gateway/ring.ts` (scores every host), over 4,096 of the ids.',
      ],
    },
    {
      title: `Placement and popularity state at ${o.ids.toLocaleString('en')} runtime ids`,
      columns: ['state', 'entries', 'memory'],
      rows: [
        ...memory.map((m) => [m.what, m.entries, `${round(m.bytes / 2 ** 20, 1)} MiB`]),
        [
          `ring table (${GATEWAY_RING_BUCKETS} buckets × depth ${last.n > 0 ? largest.ring.depth : 8}), any N`,
          GATEWAY_RING_BUCKETS,
          `${round(last.tableBytes / 2 ** 20, 1)} MiB`,
        ],
      ],
      notes: [
        'Heap used plus array buffers after a full GC, with the state held, over the same without it. The ids themselves (the bench input) are not counted. Every bound is the config default; the unbounded placement map is what 1 M ids would cost without it.',
      ],
    },
    {
      title: `Ring at scale: ${changes.length} joins and leaves on ${last.n} hosts, ${o.ids.toLocaleString('en')} ids`,
      columns: [
        'change',
        'update, CPU ms',
        'pick() while the table fills, CPU ns p50 / p99',
        'ids moved ÷ ideal',
        '= moved ÷ ids the host held',
        '× its buckets ÷ B/N',
        '× its ids per bucket ÷ mean',
        'ids moved between unchanged hosts',
      ],
      rows: changes.map((c) => [
        c.change,
        r0(c.updateMs),
        q(c.pendingPickNs),
        round(c.movedVsIdeal, 3),
        round(c.movedVsHeld, 3),
        round(c.bucketsVsIdeal, 3),
        round(c.idsPerBucketVsMean, 3),
        c.movedBetweenOthers,
      ]),
      notes: [
        `Ids moved ÷ ideal over the changes: ${span(moved)}; the ideal is 1 ÷ hosts (the changed host's weight share). It is the product of the next three columns: every moved id went to or from the changed host (moved ÷ held is 1 and nothing moved between unchanged hosts: the disruption is minimal), so what varies is the changed host's share of the ids, and that is the share of the buckets it wins (${span(bucketsF)}) times the ids that happen to hash into them (${span(idsF)}).`,
        `Why: rendezvous at bucket granularity gives a host a binomial number of buckets, mean B/N = ${round(perHost, 1)} at ${last.n} hosts, so its share has a relative spread of about 1/√(B/N) = ${round(100 / Math.sqrt(perHost), 1)} %; ${o.ids.toLocaleString('en')} random ids add about 1/√(ids/N) = ${round(100 / Math.sqrt(o.ids / last.n), 1)} %, which any hash-based placement of these ids has. Weights are all 1 here, and the measurement counts exactly the ids whose first host changed.`,
        '"Update" is `TableRing.update` plus computing every pending bucket: added hosts are scored against each bucket, buckets that held a removed host in their prefix are rescanned. "pick() while the table fills": 4,096 Zipf-drawn picks right after `update`, before any fill (each computes its bucket when pending).',
      ],
    },
  ];
  tables.push(balanceTable(balance, largest.n, o.ids));
  return { tables, data: { options: o, sizes, memory, changes, balance } };
}
