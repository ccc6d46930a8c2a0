import { pick } from '../../gateway/balancer/pick.ts';
import { ReplicaTable } from '../../gateway/balancer/replicas.ts';
import { RuntimeLoads } from '../../gateway/balancer/runtime-loads.ts';
import { createRing, type Ring } from '../../gateway/ring.ts';
import { AZURE_TRACE_DIR } from '../../lib/traces.ts';
import type { LoadEvent } from '../../load/plan.ts';
import { parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { round } from '../lib/stats.ts';
import { azureWorkload, zipfWorkload } from './workloads.ts';

/**
 * A model of `bench:routing` for trying pick policies in seconds: the same request schedules, the
 * real `pick()` (and replica table), and executors reduced to what routing sees (a cold start of
 * `coldMs` per new runtime on a host, `slots` executions at once per runtime, no network, no CPU).
 * It is a design aid, not a measurement: the figures that count come from `bench:routing`.
 */
export interface SimRouter {
  name: string;
  /** pick() options; `replication` adds the replica table with this perHost. */
  loadFactor: number;
  loadFloor: number;
  boundedLoads: boolean;
  warmPreference: boolean;
  replication?: number;
}

interface Runtime {
  readyAt: number;
  active: number;
  queue: (() => void)[];
}

interface Host {
  id: string;
  state: 'active' | 'draining' | 'off';
  inflight: number;
  runtimes: Map<string, Runtime>;
}

/** What one simulated run gave. */
export interface SimResult {
  coldStarts: number;
  /** Busiest host's mean in flight over the steady phase ÷ the mean of the hosts in service. */
  peakToAvg: number;
  p50: number;
  p99: number;
  failed: number;
  /** Cold starts by phase, first host or extra, and the pick's reason. */
  breakdown: Record<string, number>;
}

class Heap {
  private items: { t: number; seq: number; run: () => void }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  push(t: number, run: () => void): void {
    const a = this.items;
    a.push({ t, seq: this.seq++, run });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): { t: number; run: () => void } {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
const less = (x: { t: number; seq: number }, y: { t: number; seq: number }) =>
  x.t < y.t || (x.t === y.t && x.seq < y.seq);

/** Runs `events` through `router` over e1–e4, e5 added at 40 %, e2 drained at 60 %, e3 killed at 80 %. */
export function simulate(
  events: readonly LoadEvent[],
  durationMs: number,
  router: SimRouter,
  coldMs = 500,
  slots = 8,
): SimResult {
  const hosts = ['e1', 'e2', 'e3', 'e4', 'e5'].map(
    (id): Host => ({ id, state: id === 'e5' ? 'off' : 'active', inflight: 0, runtimes: new Map() }),
  );
  const byId = new Map(hosts.map((h) => [h.id, h]));
  let ring: Ring = createRing([]);
  const rebuild = () => {
    ring = createRing(hosts.filter((h) => h.state === 'active').map((h) => ({ id: h.id, weight: 1 })));
  };
  rebuild();
  const warm = new Map<string, Set<string>>();
  const loads = new RuntimeLoads();
  const movable = new Map<string, number>();
  const table =
    router.replication === undefined
      ? undefined
      : new ReplicaTable({ perHost: router.replication, maxReplicas: 16, windowMs: 2000, tableSize: 1024 });
  const heap = new Heap();
  let cold = 0;
  let failed = 0;
  const breakdown = new Map<string, number>();
  const latencies: number[] = [];
  // Steady-phase in-flight integral per host.
  const steadyEnd = 0.4 * durationMs;
  const area = new Map<string, number>();
  let lastT = 0;
  const advance = (t: number) => {
    const to = Math.min(t, steadyEnd);
    if (to > lastT) for (const h of hosts) area.set(h.id, (area.get(h.id) ?? 0) + h.inflight * (to - lastT));
    lastT = Math.max(lastT, to);
  };

  const send = (e: LoadEvent, now: number) => {
    const key = e.runtimeId;
    const known = warm.get(key);
    const choice = pick({
      key,
      addressing: 'anycast-efficient',
      hosts: hosts.map((h) => ({
        id: h.id,
        state: h.state === 'off' ? 'booting' : h.state,
        healthy: true,
        inflight: h.inflight,
      })),
      ring,
      isWarm: (id) => known?.has(id) ?? false,
      loadFactor: router.loadFactor,
      loadFloor: router.loadFloor,
      boundedLoads: router.boundedLoads,
      warmPreference: router.warmPreference,
      random: Math.random,
      loadOf: (id) => byId.get(id)!.inflight,
      ...(table === undefined
        ? {}
        : {
            replication: {
              perHost: router.replication!,
              replicas: (total: number, n: number) =>
                table.observe(key, loads.total(key) + 1, now, {
                  total,
                  hosts: n,
                  loadFactor: router.loadFactor,
                  floor: router.loadFloor,
                }),
              runtimeLoadOf: (id: string) => loads.on(key, id),
              movableLoadOf: (id: string) => movable.get(id) ?? 0,
              loadedHosts: () => loads.hosts(key),
            },
          }),
    });
    const host = byId.get(choice.order[0]!)!;
    const isMovable = table !== undefined && choice.replicated === true;
    host.inflight += 1;
    if (table !== undefined) loads.add(key, host.id, 1);
    if (isMovable) movable.set(host.id, (movable.get(host.id) ?? 0) + 1);
    let rt = host.runtimes.get(key);
    if (rt === undefined) {
      rt = { readyAt: now + coldMs, active: 0, queue: [] };
      host.runtimes.set(key, rt);
      cold += 1;
      const nth = hosts.filter((h) => h.runtimes.has(key)).length - 1;
      const phase = now < 0.4 * durationMs ? 0 : now < 0.6 * durationMs ? 1 : now < 0.8 * durationMs ? 2 : 3;
      const k = `p${phase} ${nth === 0 ? 'first' : 'extra'} ${choice.reason}`;
      breakdown.set(k, (breakdown.get(k) ?? 0) + 1);
    }
    const runtime = rt;
    let done = false;
    const finish = (t: number, ok: boolean) => {
      if (done) return;
      done = true;
      advance(t);
      host.inflight -= 1;
      if (table !== undefined) loads.add(key, host.id, -1);
      if (isMovable) movable.set(host.id, (movable.get(host.id) ?? 0) - 1);
      if (ok) {
        latencies.push(t - e.at);
        if (host.state !== 'off') {
          const set = warm.get(key) ?? new Set<string>();
          set.add(host.id);
          warm.set(key, set);
        }
      } else failed += 1;
    };
    killers.get(host.id)?.add(() => finish(heapNow, false));
    const run = (t: number) => {
      runtime.active += 1;
      heap.push(t + (e.durationMs ?? 40), () => {
        runtime.active -= 1;
        runtime.queue.shift()?.();
        finish(heapNow, true);
      });
    };
    const start = () => {
      if (runtime.active < slots) run(Math.max(heapNow, runtime.readyAt));
      else runtime.queue.push(() => run(heapNow));
    };
    if (runtime.readyAt > now) heap.push(runtime.readyAt, start);
    else start();
  };

  const killers = new Map<string, Set<() => void>>(hosts.map((h) => [h.id, new Set()]));
  let heapNow = 0;
  for (const e of events) heap.push(e.at, () => send(e, e.at));
  heap.push(0.4 * durationMs, () => {
    byId.get('e5')!.state = 'active';
    rebuild();
  });
  heap.push(0.6 * durationMs, () => {
    byId.get('e2')!.state = 'draining';
    rebuild();
  });
  heap.push(0.8 * durationMs, () => {
    const e3 = byId.get('e3')!;
    e3.state = 'off';
    e3.runtimes.clear();
    for (const set of warm.values()) set.delete('e3');
    rebuild();
    for (const kill of killers.get('e3')!) kill();
  });
  while (heap.size > 0) {
    const { t, run } = heap.pop();
    advance(t);
    heapNow = t;
    run();
  }
  const steady = ['e1', 'e2', 'e3', 'e4'].map((id) => (area.get(id) ?? 0) / steadyEnd);
  const mean = steady.reduce((s, v) => s + v, 0) / steady.length;
  latencies.sort((a, b) => a - b);
  return {
    coldStarts: cold,
    peakToAvg: Math.max(...steady) / mean,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    failed,
    breakdown: Object.fromEntries([...breakdown].sort()),
  };
}

/**
 * `npm run bench:routing-model [-- --seeds 11,1,2,3] [--breakdown]`: the model's figures for the two
 * workloads of bench:routing, for the first seed as bench:routing draws them (Zipf 11, Azure 5) and
 * other draws of both schedules (`--breakdown`: cold starts by phase in the JSON).
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const result = startResult('routing-model', args.quick);
  const seeds = (args.extra.get('seeds') ?? 'bench,1,2,3').split(',');
  const durationMs = 20_000;
  const routers: SimRouter[] = [
    { name: 'Fleetgate default', loadFactor: 1.25, loadFloor: 4, boundedLoads: true, warmPreference: true },
    {
      name: 'Fleetgate replicated (replicaCapacity 8)',
      loadFactor: 1.25,
      loadFloor: 4,
      boundedLoads: true,
      warmPreference: true,
      replication: 8,
    },
    {
      name: 'bounded loads 1.25, no warm preference (HAProxy-125-like)',
      loadFactor: 1.25,
      loadFloor: 1,
      boundedLoads: true,
      warmPreference: false,
    },
    {
      name: 'plain consistent hashing',
      loadFactor: 1.25,
      loadFloor: 1,
      boundedLoads: false,
      warmPreference: false,
    },
  ];
  const tables: ResultTable[] = [];
  const notes: string[] = [];
  const data: unknown[] = [];
  for (const name of ['zipf', 'azure']) {
    const rows: (string | number | null)[][] = [];
    for (const seedText of seeds) {
      const seed = seedText === 'bench' ? undefined : Number(seedText);
      const w =
        name === 'zipf'
          ? zipfWorkload({
              rps: 200,
              durationMs,
              runtimes: 100,
              s: 1.1,
              medianMs: 40,
              sigma: 1,
              seed: seed ?? 11,
            })
          : await azureWorkload({
              traceDir: AZURE_TRACE_DIR,
              speedup: 60,
              scale: 0.15,
              startMinute: 1,
              durationMs,
              durationScale: 0.1,
              maxDurationMs: 5000,
              seed: seed ?? 5,
            });
      // What no router can beat: the executions' own p99, and one cold start per runtime at least.
      const exec = w.events.map((e) => e.durationMs ?? 0).sort((a, b) => a - b);
      const runtimes = new Set(w.events.map((e) => e.runtimeId)).size;
      notes.push(
        `${name}, seed ${seedText}: ${w.events.length} requests over ${runtimes} runtimes; the executions' own p99 is ${exec[Math.floor(exec.length * 0.99)]} ms, and at least ${runtimes} requests (${((100 * runtimes) / w.events.length).toFixed(1)} %) meet a 500 ms cold start.`,
      );
      for (const r of routers) {
        const sim = simulate(w.events, durationMs, r);
        rows.push([
          seedText,
          r.name,
          sim.coldStarts,
          round(sim.peakToAvg, 2),
          Math.round(sim.p50),
          Math.round(sim.p99),
          sim.failed,
        ]);
        data.push({ workload: name, seed: seedText, router: r.name, ...sim });
        if (args.extra.has('breakdown'))
          process.stderr.write(`${name} ${seedText} ${r.name}: ${JSON.stringify(sim.breakdown)}\n`);
      }
    }
    tables.push({
      title: `Routing model, ${name} (bench:routing's schedule as seed "bench", other draws by seed)`,
      columns: [
        'seed',
        'router',
        'cold starts',
        'in-flight peak ÷ avg (steady)',
        'p50 ms',
        'p99 ms',
        'failed',
      ],
      rows,
    });
  }
  notes.unshift(
    "A model, not a measurement: the schedules of bench:routing through the real pick() and replica table (bench/routing/sim.ts); executors reduced to a 500 ms start per new (runtime, host) and 8 executions at once per runtime; no network, no CPU, the gateway learns a runtime warm when its first request there answers; e5 added at 40 %, e2 drained at 60 %, e3 killed at 80 % (its requests in flight fail). HAProxy-125-like is bounded loads on the same rendezvous order without warm preference or floor, not HAProxy's own ring.",
  );
  result.finish(args.outDir, tables, notes, data);
}

if (process.argv[1]?.endsWith('sim.ts')) void main();
