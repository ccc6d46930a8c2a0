import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../lib/free-port.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { canPin, cpuSeconds, installCleanupHooks, stopAll, waitForPort } from '../lib/procs.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import { runWrk, type WrkResult } from '../lib/wrk.ts';
import { type LatencySample, latencyTable } from './latency.ts';
import { type OverheadTarget, overheadTargets, type RunningTarget, startNodeScript } from './targets.ts';

/** One wrk run against one target. */
interface Sample extends WrkResult {
  target: string;
  round: number;
  /** Proxy CPU (user + system) per request, µs; null for direct. */
  proxyCpuUsPerReq: number | null;
  backendCpuUsPerReq: number;
}

const PATH = '/v1/runtimes/bench-runtime';

/**
 * `npm run bench:overhead`: the hot path (docs/benchmarks.md, overhead). The same trivial backend behind each
 * target, `wrk -t1 -c50 --latency`, targets interleaved round by round, proxy CPU from /proc.
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  installCleanupHooks();
  const result = startResult('overhead', args.quick);
  const rounds = numberOption(args, 'rounds', args.quick ? 1 : 3);
  const duration = numberOption(args, 'duration', args.quick ? 2 : 10);
  const warmup = args.quick ? 1 : 3;
  const connections = numberOption(args, 'connections', 50);
  const pin = args.pin && canPin(cpus().length);
  // Proxy alone on CPU 0; wrk and the backend share CPU 1, the same for every target.
  const proxyCpus = pin ? '0' : undefined;
  const loadCpus = pin ? '1' : undefined;
  // --compiled: Fleetgate and the Node floor as plain JavaScript (dist/, as shipped), not through tsx.
  const compiled = args.extra.get('compiled') === 'true';
  const runDir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-overhead-'));

  const notes: string[] = [];
  const skipped: { target: string; reason: string }[] = [];
  const samples: Sample[] = [];
  const latency: LatencySample[] = [];
  const latencyDuration = numberOption(args, 'latency-duration', args.quick ? 2 : 5);
  try {
    const backendPort = await freePort();
    const backend = startNodeScript('backend', 'bench/overhead/backend.ts', [String(backendPort)], loadCpus);
    await waitForPort(backendPort, 20_000, backend);

    const running: { target: OverheadTarget; run: RunningTarget }[] = [];
    // --baseline DIR: a checkout of an earlier commit run beside this one (--baseline-name to label it).
    const baselineDir = args.extra.get('baseline');
    const baseline =
      baselineDir === undefined
        ? undefined
        : {
            name: args.extra.get('baseline-name') ?? `Fleetgate (${baselineDir})`,
            checkout: resolve(baselineDir),
          };
    if (compiled) {
      // What the image and the npm package run: this checkout's dist/ (and the baseline's, if any).
      for (const dir of [process.cwd(), ...(baseline ? [baseline.checkout] : [])])
        execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'inherit' });
    }
    for (const target of overheadTargets(baseline, compiled)) {
      const reason = target.unavailable();
      if (reason) {
        skipped.push({ target: target.name, reason });
        continue;
      }
      try {
        running.push({ target, run: await target.start({ runDir, backendPort, proxyCpus }) });
      } catch (error) {
        skipped.push({
          target: target.name,
          reason: `failed to start: ${(error as Error).message.split('\n')[0]}`,
        });
      }
    }
    const url = (r: RunningTarget) => `http://127.0.0.1:${r.port}${PATH}`;
    for (const { run } of running) {
      await runWrk({
        url: url(run),
        connections,
        durationSeconds: warmup,
        headers: run.headers,
        cpus: loadCpus,
      });
    }
    for (let round = 1; round <= rounds; round++) {
      for (const { target, run } of running) {
        const p0 = run.proxy ? cpuSeconds(run.proxy.pid) : 0;
        const b0 = cpuSeconds(backend.pid);
        const w = await runWrk({
          url: url(run),
          connections,
          durationSeconds: duration,
          headers: run.headers,
          cpus: loadCpus,
        });
        const p1 = run.proxy ? cpuSeconds(run.proxy.pid) : 0;
        const b1 = cpuSeconds(backend.pid);
        const perReq = (s: number) => (w.requests > 0 ? (s * 1e6) / w.requests : Number.NaN);
        samples.push({
          ...w,
          target: target.name,
          round,
          proxyCpuUsPerReq: run.proxy ? perReq(p1 - p0) : null,
          backendCpuUsPerReq: perReq(b1 - b0),
        });
        process.stderr.write(
          `[overhead] round ${round} ${target.name}: ${Math.round(w.requestsPerSecond)} req/s, p99 ${w.p99Ms} ms\n`,
        );
      }
    }
    // Concurrency 1: what one caller waits per request, every target in the same round.
    for (let round = 1; round <= rounds; round++) {
      for (const { target, run } of running) {
        const p0 = run.proxy ? cpuSeconds(run.proxy.pid) : 0;
        const w = await runWrk({
          url: url(run),
          connections: 1,
          durationSeconds: latencyDuration,
          headers: run.headers,
          cpus: loadCpus,
        });
        const p1 = run.proxy ? cpuSeconds(run.proxy.pid) : 0;
        const proxyCpuUsPerReq = run.proxy && w.requests > 0 ? ((p1 - p0) * 1e6) / w.requests : null;
        latency.push({ ...w, target: target.name, round, proxyCpuUsPerReq });
        process.stderr.write(`[overhead] c1 round ${round} ${target.name}: p50 ${w.p50Ms} ms\n`);
      }
    }
  } finally {
    await stopAll();
    rmSync(runDir, { recursive: true, force: true });
  }

  const names = [...new Set(samples.map((s) => s.target))];
  const of = (name: string) => samples.filter((s) => s.target === name);
  const med = (name: string, f: (s: Sample) => number | null) =>
    median(
      of(name)
        .map(f)
        .filter((v): v is number => v !== null && Number.isFinite(v)),
    );
  const table: ResultTable = {
    title: `Proxy overhead: wrk -t1 -c${connections} -d${duration}s --latency, ${rounds} interleaved round(s), medians`,
    columns: ['target', 'req/s', 'p50 ms', 'p99 ms', 'proxy CPU µs/req', 'backend CPU µs/req', 'errors'],
    rows: names.map((n) => [
      n,
      round(
        med(n, (s) => s.requestsPerSecond),
        0,
      ),
      round(
        med(n, (s) => s.p50Ms),
        2,
      ),
      round(
        med(n, (s) => s.p99Ms),
        2,
      ),
      round(
        med(n, (s) => s.proxyCpuUsPerReq),
        1,
      ),
      round(
        med(n, (s) => s.backendCpuUsPerReq),
        1,
      ),
      of(n).reduce((sum, s) => sum + s.errors, 0),
    ]),
    notes: [
      pin
        ? 'Pinned with taskset: the proxy alone on CPU 0; wrk and the backend share CPU 1 (the same for every target, so "direct" is also limited to one core).'
        : 'Not pinned (taskset unavailable or --no-pin).',
      'CPU µs/req = (utime + stime of the proxy process and its children, from /proc/<pid>/stat, 10 ms ticks) ÷ requests in that run.',
      'The machine is shared with other engineers running tests: absolute numbers drift ±10–25 % between runs; ratios within a round are steadier.',
    ],
  };
  const tables = [table];
  const fleetgate = compiled ? 'Fleetgate, compiled' : 'Fleetgate';
  if (names.includes(fleetgate)) {
    const ratioRows: (string | number | null)[][] = [];
    for (const peer of names.filter((n) => n !== fleetgate)) {
      const perRound = (f: (s: Sample) => number | null) => {
        const ratios: number[] = [];
        for (let r = 1; r <= rounds; r++) {
          const a = samples.find((s) => s.target === fleetgate && s.round === r);
          const b = samples.find((s) => s.target === peer && s.round === r);
          const x = a ? f(a) : null;
          const y = b ? f(b) : null;
          if (x !== null && y !== null && y > 0) ratios.push(x / y);
        }
        return round(median(ratios), 2);
      };
      ratioRows.push([
        peer,
        perRound((s) => s.requestsPerSecond),
        perRound((s) => s.p99Ms),
        peer === 'direct' ? null : perRound((s) => s.proxyCpuUsPerReq),
      ]);
    }
    tables.push({
      title: 'Fleetgate ÷ peer (median of per-round ratios)',
      columns: ['peer', 'req/s ratio', 'p99 ratio', 'proxy CPU/req ratio'],
      rows: ratioRows,
      notes: [
        'Goals: proxy CPU/req within 1.5× of the Node floor (first benchmark issue), ≤ 1.15× (issue 14).',
      ],
    });
  }
  if (latency.length > 0) tables.push(latencyTable(latency, rounds, latencyDuration));
  for (const s of skipped) notes.push(`Skipped ${s.target}: ${s.reason}.`);
  result.finish(args.outDir, tables, notes, {
    rounds,
    duration,
    connections,
    pinned: pin,
    path: PATH,
    skipped,
    samples,
    latency,
  });
}

main().catch(async (error) => {
  process.stderr.write(`bench:overhead failed: ${(error as Error).stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
