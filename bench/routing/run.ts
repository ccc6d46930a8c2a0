import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AZURE_TRACE_DIR } from '../../lib/traces.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { installCleanupHooks, stopAll } from '../lib/procs.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { round } from '../lib/stats.ts';
import { spread } from './aggregate.ts';
import { analyze, type Phase, type PhaseStats, type Snapshot } from './analyze.ts';
import { type ActionLog, type RequestRecord, runOpenLoop, type ScheduledAction, warmUp } from './client.ts';
import { type ExecutorHost, killHost, scrapeHost, startFleet, stopFleet } from './fleet.ts';
import { keepWarmRows, replayMs } from './keep-warm.ts';
import { keepWarmTable, type LifetimeMeasures, measureLifetime, writeFrontiers } from './keep-warm-report.ts';
import {
  executorCpu,
  gatewayCounters,
  listenOverflows,
  type ProcessLoad,
  processLoad,
  type RouterTimes,
  routerTimes,
  splitTime,
  type TimeSplit,
  timeTable,
} from './phases.ts';
import { type RoutingTarget, routingTargets } from './targets.ts';
import { azureWorkload, type Workload, zipfWorkload } from './workloads.ts';

const SECRET = 'bench-routing-secret';
const HOSTS = 5;
/** The Azure trace is replayed this many times faster (one trace minute per second). */
const SPEEDUP = 60;

/** One (workload, target) run. */
interface RunResult {
  /** Which repetition (1-based) with `--runs N`. */
  round: number;
  workload: string;
  target: string;
  family: string;
  phases: PhaseStats[];
  total: PhaseStats;
  actions: ActionLog[];
  /** Runtimes the live executors stopped during the run (evictions, reaping); expected 0. */
  runtimesStopped: number;
  /** Status codes of the warm-up requests (404 expected: no runtime is started). */
  warmUp: Record<string, number>;
  /** The first failed requests, for diagnosis. */
  failures: RequestRecord[];
  /** Failed requests sent after the killed executor had exited: ones the router could have sent elsewhere. */
  errorsSentAfterKill: number;
  /** Failed requests sent before the kill (in flight on the killed host; nothing can save them). */
  errorsSentBeforeKill: number;
  /** `bench:routing-keep-warm`: cold-start delays at the client, warm runtime·seconds, pre-warms. */
  lifetime?: LifetimeMeasures;
  /** Where the successful requests' time went (client, router, executor). */
  time: TimeSplit;
  /** The router's CPU and event-loop lag over the open loop (Fleetgate: from its `/metrics`). */
  routerLoad?: ProcessLoad | undefined;
  /** The executors' CPU over the run, s. */
  executorCpuSeconds: number;
  /** The router's counters at the end of the run (Fleetgate: picks by reason, retries, upstream errors). */
  routerCounters?: Record<string, number> | undefined;
  /** The router's own mean request and upstream times over the open loop (Fleetgate). */
  routerTimes?: RouterTimes | undefined;
  /** Connections the kernel dropped at a full accept queue during the open loop (the whole machine's). */
  listenOverflows: number;
}

/** The machine's `ListenOverflows` counter (NaN off Linux). */
function readListenOverflows(): number {
  try {
    return listenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

async function snapshot(hosts: readonly ExecutorHost[]): Promise<Snapshot> {
  const entries = await Promise.all(hosts.map(async (h) => [h.name, await scrapeHost(h)] as const));
  return new Map(entries);
}

async function runOne(
  workload: Workload,
  target: RoutingTarget,
  runDir: string,
  options: {
    coldStart: string;
    concurrency: number;
    timeoutMs: number;
    warmupRequests: number;
    dumpDir?: string | undefined;
    /** Measure runtime lifetime (bench:routing-keep-warm). */
    lifetime?: boolean;
    /** Node options of the router's process. */
    nodeArgs?: readonly string[];
  },
): Promise<RunResult> {
  const hosts = await startFleet(HOSTS, {
    secret: SECRET,
    coldStart: options.coldStart,
    concurrency: options.concurrency,
    seed: 7,
    ...(target.reaping ? { reaping: target.reaping } : {}),
  });
  const [, e2, e3, , e5] = hosts as [ExecutorHost, ExecutorHost, ExecutorHost, ExecutorHost, ExecutorHost];
  const d = workload.durationMs;
  const phases: Phase[] = [
    { name: 'steady (e1–e4)', from: 0, to: 0.4 * d, inService: ['e1', 'e2', 'e3', 'e4'] },
    { name: 'e5 added', from: 0.4 * d, to: 0.6 * d, inService: ['e1', 'e2', 'e3', 'e4', 'e5'] },
    { name: 'e2 drained', from: 0.6 * d, to: 0.8 * d, inService: ['e1', 'e3', 'e4', 'e5'] },
    { name: 'e3 killed', from: 0.8 * d, to: d, inService: ['e1', 'e4', 'e5'] },
  ];
  try {
    const router = await target.start({
      runDir,
      secret: SECRET,
      hosts,
      spare: e5,
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    });
    try {
      // Every router is warmed up alike (JIT, connection pools) without starting a runtime.
      const warm = await warmUp(router.url, SECRET, router.headers, options.warmupRequests, 16);
      // The spare gets no traffic through the router yet: warm its process up directly, so the
      // first requests it receives after being added do not pay for its JIT.
      await warmUp(e5.url, SECRET, {}, Math.ceil(options.warmupRequests / 4), 8);
      const snapshots: Snapshot[] = [await snapshot(hosts)];
      // `effectiveAt` is when the router was told (add, drain) or when the killed process was seen
      // to exit (kill): a request sent before that may still have reached the dying host.
      const at = (
        phase: Phase,
        name: string,
        act: () => Promise<void>,
        markWhen: 'before' | 'after' = 'before',
      ): ScheduledAction => ({
        at: phase.from,
        name,
        async run(mark) {
          snapshots.push(await snapshot(hosts));
          if (markWhen === 'before') mark();
          await act();
          if (markWhen === 'after') mark();
        },
      });
      const lifetime = options.lifetime ? measureLifetime(hosts, router) : undefined;
      const routerBefore = await router.metrics?.();
      const overflowsBefore = readListenOverflows();
      const { records, actions } = await runOpenLoop({
        url: router.url,
        events: workload.events,
        actions: [
          at(phases[1]!, 'add e5', () => router.add(e5)),
          at(phases[2]!, 'drain e2', () => router.drain(e2)),
          at(phases[3]!, 'kill e3', () => killHost(e3), 'after'),
        ],
        secret: SECRET,
        headers: router.headers,
        timeoutMs: options.timeoutMs,
        executionTimeoutSeconds: Math.ceil(options.timeoutMs / 1000),
      });
      const overflows = readListenOverflows() - overflowsBefore;
      const routerAfter = await router.metrics?.();
      snapshots.push(await snapshot(hosts));
      const lifetimeMeasures = await lifetime?.finish(records, Number(options.coldStart) / 2);
      const { phases: stats, total } = analyze(records, phases, snapshots);
      const runtimesStopped = [...(snapshots[snapshots.length - 1]?.values() ?? [])].reduce(
        (sum, m) => sum + (m?.stopped ?? 0),
        0,
      );
      if (options.dumpDir) {
        mkdirSync(options.dumpDir, { recursive: true });
        const file = join(options.dumpDir, `${workload.name}-${target.name.replace(/\W+/g, '-')}.json`);
        writeFileSync(file, JSON.stringify({ actions, records }));
      }
      const kill = actions.find((a) => a.name === 'kill e3');
      const killAt = kill?.effectiveAt ?? kill?.at ?? d;
      const failed = records.filter((r) => r.error);
      return {
        round: 0,
        workload: workload.name,
        target: target.name,
        family: target.family,
        phases: stats,
        total,
        actions,
        warmUp: warm,
        runtimesStopped,
        errorsSentAfterKill: failed.filter((r) => r.sent >= killAt).length,
        errorsSentBeforeKill: failed.filter((r) => r.sent < killAt).length,
        failures: failed.slice(0, 40),
        ...(lifetimeMeasures ? { lifetime: lifetimeMeasures } : {}),
        time: splitTime(records),
        routerLoad:
          routerBefore !== undefined && routerAfter !== undefined
            ? processLoad(routerBefore, routerAfter)
            : undefined,
        executorCpuSeconds: executorCpu(snapshots),
        listenOverflows: overflows,
        routerCounters: routerAfter === undefined ? undefined : gatewayCounters(routerAfter),
        routerTimes:
          routerBefore !== undefined && routerAfter !== undefined
            ? routerTimes(routerBefore, routerAfter)
            : undefined,
      };
    } finally {
      await router.stop();
    }
  } finally {
    await stopFleet(hosts);
  }
}

function workloadTable(workload: Workload, runs: RunResult[]): ResultTable {
  const ms = (v: number) => round(v, 0);
  const rounds = new Set(runs.map((r) => r.round)).size;
  if (rounds > 1) return spreadTable(workload, runs, rounds);
  return {
    title: `Routing, ${workload.name}: ${workload.description}`,
    columns: [
      'router',
      'cold starts',
      'steady / add (on e5) / drain / kill',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'in-flight peak ÷ avg (steady)',
      'warm runtimes at end',
      'errors: sent before e3 died / after',
    ],
    rows: runs.map((r) => [
      r.target,
      r.total.coldStarts,
      r.phases
        .map((p, i) => (i === 1 ? `${p.coldStarts} (e5: ${p.coldByHost.e5 ?? 0})` : String(p.coldStarts)))
        .join(' / '),
      ms(r.total.p50),
      ms(r.total.p95),
      ms(r.total.p99),
      round(r.total.inflightPeakToAvg, 2),
      r.total.warmRuntimesAtEnd,
      `${r.errorsSentBeforeKill} / ${r.errorsSentAfterKill}`,
    ]),
  };
}

/** With `--runs N`: each figure as median (min–max) over the N runs of a router. */
function spreadTable(workload: Workload, runs: RunResult[], rounds: number): ResultTable {
  const targets = [...new Set(runs.map((r) => r.target))];
  return {
    title: `Routing, ${workload.name}, ${rounds} runs (median (min–max)): ${workload.description}`,
    columns: [
      'router',
      'cold starts',
      'p50 ms',
      'p99 ms',
      'in-flight peak ÷ avg (steady)',
      'warm runtimes at end',
      'errors (sent after e3 died)',
    ],
    rows: targets.map((target) => {
      const mine = runs.filter((r) => r.target === target);
      const of = (f: (r: RunResult) => number, digits: number) => spread(mine.map(f), digits);
      return [
        target,
        of((r) => r.total.coldStarts, 0),
        of((r) => r.total.p50, 0),
        of((r) => r.total.p99, 0),
        of((r) => r.total.inflightPeakToAvg, 2),
        of((r) => r.total.warmRuntimesAtEnd, 0),
        `${of((r) => r.total.errors, 0)} (${of((r) => r.errorsSentAfterKill, 0)})`,
      ];
    }),
  };
}

/**
 * `npm run bench:routing`: routing quality against peers that hash (docs/benchmarks.md) on a fleet
 * of simulated executors, with a host added, drained and killed mid-run.
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  installCleanupHooks();
  // --keep-warm (npm run bench:routing-keep-warm): runtime lifetime rows, executors reaping idle runtimes.
  const keepWarm = args.extra.has('keep-warm');
  const result = startResult(keepWarm ? 'routing-keep-warm' : 'routing', args.quick);
  const durationMs = numberOption(args, 'duration', args.quick ? 5 : 20) * 1000;
  // Keep-warm learns idle times: the trace replay runs longer there (one trace hour by default).
  const azureDurationMs = keepWarm
    ? numberOption(args, 'azure-duration', args.quick ? 10 : 60) * 1000
    : durationMs;
  const kwRows = keepWarm ? keepWarmRows(SPEEDUP) : [];
  const coldStartMs = numberOption(args, 'cold-start', 500);
  const concurrency = numberOption(args, 'concurrency', 8);
  const wanted = (args.extra.get('workloads') ?? 'zipf,azure').split(',');
  const filter = args.extra.get('targets')?.toLowerCase().split(',');
  const targets = (keepWarm ? kwRows.map((r) => r.target) : routingTargets()).filter(
    (t) => !filter || filter.some((f) => t.name.toLowerCase().includes(f)),
  );
  // --quick (the CI smoke run) exercises each moving part once: Fleetgate and HAProxy on Zipf, Fleetgate on the trace.
  const QUICK: Record<string, string[]> = {
    zipf: ['Fleetgate anycast-efficient', 'HAProxy hash, balance-factor 125'],
    azure: ['Fleetgate anycast-efficient'],
  };
  const selected = (workload: string) =>
    keepWarm
      ? targets.filter(
          (t) =>
            (workload !== 'zipf' || kwRows.find((r) => r.target === t)?.zipf) &&
            // --quick: the default-like fixed keep-alive and the gateway-owned hybrid only.
            (!args.quick || filter || /no keep-warm|hybrid\) · lifetime/.test(t.name)),
        )
      : targets.filter((t) => !args.quick || filter || (QUICK[workload] ?? []).includes(t.name));

  const workloads: Workload[] = [];
  if (wanted.includes('zipf')) {
    workloads.push(
      zipfWorkload({ rps: 200, durationMs, runtimes: 100, s: 1.1, medianMs: 40, sigma: 1, seed: 11 }),
    );
  }
  if (wanted.includes('azure')) {
    workloads.push(
      await azureWorkload({
        traceDir: args.extra.get('trace') ?? AZURE_TRACE_DIR,
        speedup: SPEEDUP,
        scale: 0.15,
        startMinute: 1,
        durationMs: azureDurationMs,
        durationScale: 0.1,
        maxDurationMs: 5000,
        seed: 5,
      }),
    );
  }

  const runDir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-routing-'));
  const runs: RunResult[] = [];
  const skipped: { target: string; reason: string }[] = [];
  // --runs N: every (workload, router) N times, interleaved (all routers once, then again), so a slow
  // spell of the shared machine falls on every router rather than on one.
  const rounds = Math.max(1, Math.floor(numberOption(args, 'runs', 1)));
  try {
    for (let repeat = 1; repeat <= rounds; repeat++)
      for (const workload of workloads) {
        for (const target of selected(workload.name)) {
          const reason = target.unavailable();
          if (reason) {
            if (!skipped.some((s) => s.target === target.name)) skipped.push({ target: target.name, reason });
            continue;
          }
          const started = Date.now();
          // A run that cannot start (an executor not listening in time on an overloaded machine) is
          // reported and skipped rather than losing every finished run with it.
          const run = await runOne(workload, target, runDir, {
            coldStart: String(coldStartMs),
            concurrency,
            timeoutMs: args.quick ? 20_000 : 60_000,
            warmupRequests: args.quick ? 300 : 1500,
            // --dump-records DIR: every request of every run, for diagnosis.
            dumpDir: args.extra.has('dump-records')
              ? join(args.extra.get('dump-records')!, `run${repeat}`)
              : undefined,
            lifetime: keepWarm,
            // --profile-gateway DIR: a V8 CPU profile of each Fleetgate gateway, for diagnosis.
            nodeArgs: args.extra.has('profile-gateway')
              ? ['--cpu-prof', '--cpu-prof-dir', join(args.extra.get('profile-gateway')!, `run${repeat}`)]
              : undefined,
          }).catch((error: unknown) => {
            const reason = `run ${repeat} on ${workload.name} failed: ${(error as Error).message.split('\n')[0]}`;
            skipped.push({ target: target.name, reason });
            process.stderr.write(`[routing] ${target.name}: ${reason}\n`);
            return undefined;
          });
          if (run === undefined) continue;
          run.round = repeat;
          runs.push(run);
          process.stderr.write(
            `[routing] run ${repeat} ${workload.name} ${target.name}: ${run.total.requests} req, ${run.total.coldStarts} cold, p99 ${Math.round(run.total.p99)} ms, ${run.total.errors} errors${run.lifetime ? `, ${run.lifetime.delays.percent.toFixed(2)} % delayed, ${Math.round(run.lifetime.warmRuntimeSeconds)} warm runtime·s` : ''} (${Math.round((Date.now() - started) / 1000)} s)\n`,
          );
        }
      }
  } finally {
    await stopAll();
    rmSync(runDir, { recursive: true, force: true });
  }

  if (keepWarm) {
    finishKeepWarm(args.outDir, result, workloads, runs, kwRows, skipped, { coldStartMs, concurrency });
    return;
  }
  const tables = workloads.flatMap((w) => {
    const mine = runs.filter((r) => r.workload === w.name);
    const rounds = new Set(mine.map((r) => r.round)).size;
    return [
      workloadTable(w, mine),
      timeTable(
        `Where the time went, ${w.name}${rounds > 1 ? `, ${rounds} runs (median (min–max))` : ''}`,
        mine,
        spread,
      ),
    ];
  });
  const notes = [
    `Fleet: ${HOSTS} local executors in simulated mode (\`fleetgate executor --mode simulated\`), cold start ${coldStartMs} ms per new runtime on a host, ${concurrency} simultaneous executions per runtime (more wait for a slot), idle reaping (60 s) never triggers within a run: every cold start is a (runtime, host) pair the router created.`,
    `Phases: e1–e4 in service for 40 % of the run, then e5 is added (20 %), then e2 drained (20 %), then e3 is SIGKILLed (20 %). Cold starts per phase come from the executors' \`fleetgate_executor_cold_starts_total\`, scraped at each boundary.`,
    "Latency is measured from each request's scheduled send time (open loop, undici, no coordinated omission), successful requests only; errors are non-2xx answers and failed connections.",
    "In-flight peak ÷ avg: the busiest host's mean number of requests in flight ÷ the mean over the hosts in service, over the steady phase (1.00 = perfectly even).",
    'Round-robin and random are HAProxy `balance roundrobin` / `balance random`: what open-runtimes/proxy does with current executors (its warm tier needs the /v1/health stats that executors ≥ 0.17 no longer report).',
    "Where the time went: over the successful requests, from the client's scheduled send time to the executor's handler (its answer's `startTime`, wall clock: the client's lag, the router, the connection, the executor's event loop), the executor's own `duration` (cold start, slot wait, execution), and the rest (the answer's way back); outside the executor = latency − the executor's duration. Router CPU and event-loop lag (the largest delay prom-client's monitor saw) from the router's `/metrics` before and after the open loop (Fleetgate only); executors' CPU from `/proc` at the phase boundaries (e3 until its kill).",
    'The machine is shared with other engineers running tests; compare rows of the same run.',
  ];
  for (const s of skipped) notes.push(`Skipped ${s.target}: ${s.reason}.`);
  for (const r of runs.filter((x) => x.runtimesStopped > 0)) {
    notes.push(
      `Warning: ${r.workload} / ${r.target}: the executors stopped ${r.runtimesStopped} runtime(s) during the run (eviction or reaping), so some cold starts are not the router's doing.`,
    );
  }
  result.finish(args.outDir, tables, notes, {
    rounds,
    durationMs,
    coldStartMs,
    concurrency,
    workloads: workloads.map((w) => ({
      name: w.name,
      description: w.description,
      requests: w.events.length,
    })),
    membership: Object.fromEntries(targets.map((t) => [t.name, t.membership])),
    skipped,
    runs,
  });
}

/** The bench:routing-keep-warm tables, notes and frontier figures. */
function finishKeepWarm(
  outDir: string,
  result: ReturnType<typeof startResult>,
  workloads: readonly Workload[],
  runs: readonly RunResult[],
  rows: ReturnType<typeof keepWarmRows>,
  skipped: readonly { target: string; reason: string }[],
  fleet: { coldStartMs: number; concurrency: number },
): void {
  const tables: ResultTable[] = [];
  const frontiers: Record<string, unknown> = {};
  for (const w of workloads) {
    tables.push(keepWarmTable(w, runs, rows));
    frontiers[w.name] = writeFrontiers(outDir, w.name, runs, rows);
  }
  const ms = (s: number) => `${replayMs(s, SPEEDUP)} ms`;
  const notes = [
    `Fleet: ${HOSTS} local executors in simulated mode, cold start ${fleet.coldStartMs} ms per new runtime on a host, ${fleet.concurrency} simultaneous executions per runtime. Every lifetime time runs on the replay's clock (${SPEEDUP}× the trace: one trace minute per second): the executors reap a runtime idle past their threshold (60 s → ${ms(60)}; a fixed keep-alive of N min → N s; "lifetime left to the gateway": 4 h → ${ms(4 * 3600)}, never within a run) at a maintenance tick every 60 s → ${ms(60)} (open-runtimes/executor's README and .env value); the gateway's runtime resync runs every 30 s → 500 ms, and keep-warm runs with \`gateway.keepWarm.timeScale: ${SPEEDUP}\` (1-minute bins → 1 s, fixed keep-alive 10 min → 10 s, tick 1 s → 16.7 ms). The Zipf workload uses the same clock.`,
    `Delayed by a cold start: a successful request whose latency at the client (from its scheduled send time) exceeds the execution time it asked for by more than ${fleet.coldStartMs / 2} ms (half a cold start); "first calls": those that were their runtime's first request of the run (no router can avoid them; a pre-warm could only after a forecast). Waiting for a busy runtime's execution slot also counts, alike for every row.`,
    "Warm runtime·s: the executors' `fleetgate_executor_warm_runtimes`, read every 200 ms from every live host and integrated over the run (replay seconds; × 60 for trace seconds), normalised to the fixed 10-minute keep-alive row of the same run.",
    "Pre-warms useful / wasted: the gateway's `fleetgate_gateway_prewarms_total` (a pre-warm is useful when its runtime is called before it is deleted or pre-warmed again, wasted otherwise); gateway deletes: `fleetgate_gateway_keepwarm_deletes_total`.",
    'Phases as in bench:routing: e5 added at 40 % of the run, e2 drained at 60 %, e3 SIGKILLed at 80 %. In-flight peak ÷ avg over the steady phase (the first 40 %).',
    `Frontier figures: ${workloads.map((w) => `bench/results/routing-keep-warm-${w.name}.svg (delays at the client) and -${w.name}-servers.svg (by the servers' times)`).join(', ')}; x: warm runtime·s ÷ the fixed 10-minute keep-alive's, y: % delayed; blue: fixed keep-alive, red squares: hybrid, grey: peers; the green box is the issue's goal. \`npx tsx bench/routing/frontier.ts FILE.json\` redraws them from a results file.`,
    'The machine is shared with other engineers running tests; compare rows of the same run.',
  ];
  const argv = process.argv.slice(2).filter((a) => a !== '--keep-warm');
  if (argv.length > 0) notes.push(`Options: \`${argv.join(' ')}\`.`);
  for (const s of skipped) notes.push(`Skipped ${s.target}: ${s.reason}.`);
  result.finish(outDir, tables, notes, {
    speedup: SPEEDUP,
    coldStartMs: fleet.coldStartMs,
    concurrency: fleet.concurrency,
    workloads: workloads.map((w) => ({
      name: w.name,
      description: w.description,
      requests: w.events.length,
    })),
    rows: rows.map((r) => ({
      name: r.target.name,
      short: r.short,
      series: r.series,
      reference: r.reference ?? false,
      reaping: r.target.reaping,
    })),
    frontiers,
    skipped,
    runs,
  });
}

main().catch(async (error) => {
  process.stderr.write(`bench:routing failed: ${(error as Error).stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
