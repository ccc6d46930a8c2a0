import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultTable } from '../lib/results.ts';
import { round } from '../lib/stats.ts';
import type { RequestRecord } from './client.ts';
import type { ExecutorHost } from './fleet.ts';
import type { KeepWarmRow } from './keep-warm.ts';
import {
  type ColdDelays,
  coldDelays,
  type FrontierPoint,
  frontierSvg,
  metricByLabel,
  sampleWarmRuntimes,
} from './lifetime-measures.ts';
import type { RunningRouter } from './targets.ts';

/** What bench:routing-keep-warm measures of one run besides bench:routing's figures. */
export interface LifetimeMeasures {
  delays: ColdDelays;
  /** Warm runtimes over every live executor, integrated over the run (replay seconds). */
  warmRuntimeSeconds: number;
  warmPeak: number;
  warmSamples: number;
  /** The gateway's `fleetgate_gateway_prewarms_total` by result (Fleetgate with keep-warm). */
  prewarms?: Record<string, number>;
  /** The gateway's `fleetgate_gateway_cold_starts_total` by cause. */
  coldByCause?: Record<string, number>;
  /** The gateway's `fleetgate_gateway_keepwarm_deletes_total`. */
  deletes?: number;
  /** Of those, surplus copies: `fleetgate_gateway_keepwarm_trims_total`. */
  trims?: number;
}

/** How often the executors' warm runtimes are read, ms. */
const SAMPLE_MS = 200;

/** Starts measuring one run; `finish` after the load (and its final scrape). */
export function measureLifetime(
  hosts: readonly ExecutorHost[],
  router: RunningRouter,
): { finish(records: readonly RequestRecord[], delayMs: number): Promise<LifetimeMeasures> } {
  const sampler = sampleWarmRuntimes(hosts, SAMPLE_MS);
  return {
    async finish(records, delayMs) {
      const warm = await sampler.stop();
      const out: LifetimeMeasures = {
        delays: coldDelays(records, delayMs),
        warmRuntimeSeconds: warm.runtimeSeconds,
        warmPeak: warm.peak,
        warmSamples: warm.samples,
      };
      const text = await router.metrics?.().catch(() => undefined);
      if (text !== undefined) {
        out.prewarms = metricByLabel(text, 'fleetgate_gateway_prewarms_total', 'result');
        out.coldByCause = metricByLabel(text, 'fleetgate_gateway_cold_starts_total', 'cause');
        out.deletes = Object.values(
          metricByLabel(text, 'fleetgate_gateway_keepwarm_deletes_total', 'host'),
        ).reduce((a, b) => a + b, 0);
        out.trims = Object.values(
          metricByLabel(text, 'fleetgate_gateway_keepwarm_trims_total', 'host'),
        ).reduce((a, b) => a + b, 0);
      }
      return out;
    },
  };
}

/** The figures of one run that the keep-warm table needs. */
export interface KeepWarmRun {
  workload: string;
  target: string;
  total: { p95: number; p99: number; inflightPeakToAvg: number; errors: number };
  lifetime?: LifetimeMeasures;
}

/** Which share of delayed requests a frontier plots. */
export type DelayMeasure = 'client' | 'servers';

/**
 * The frontier points of one workload: each row's warm runtime·seconds ÷ the fixed 10-minute
 * keep-alive row's (same run), against its percent of requests delayed (at the client or by the
 * servers' own times). Pure.
 */
export function frontierPoints(
  workload: string,
  runs: readonly KeepWarmRun[],
  rows: readonly KeepWarmRow[],
  measure: DelayMeasure,
): FrontierPoint[] {
  const mine = runs.filter((r) => r.workload === workload && r.lifetime);
  const rowOf = (name: string) => rows.find((r) => r.target.name === name);
  const reference = mine.find((r) => rowOf(r.target)?.reference)?.lifetime?.warmRuntimeSeconds;
  const points: FrontierPoint[] = [];
  for (const r of mine) {
    const row = rowOf(r.target);
    if (!row || !reference) continue;
    const l = r.lifetime!;
    const cold = measure === 'client' ? l.delays.percent : l.delays.percentByServers;
    const point = { series: row.series, label: row.short, memory: l.warmRuntimeSeconds / reference, cold };
    if (Number.isFinite(point.memory) && Number.isFinite(point.cold)) points.push(point);
  }
  return points;
}

/** Writes `routing-keep-warm-<workload>.svg` (client) and `…-servers.svg` into `outDir`; returns their names. */
export function writeFrontiers(
  outDir: string,
  workload: string,
  runs: readonly KeepWarmRun[],
  rows: readonly KeepWarmRow[],
): string[] {
  const files: string[] = [];
  mkdirSync(outDir, { recursive: true });
  for (const measure of ['client', 'servers'] as const) {
    const points = frontierPoints(workload, runs, rows, measure);
    if (points.length === 0) continue;
    const file = `routing-keep-warm-${workload}${measure === 'servers' ? '-servers' : ''}.svg`;
    const by = measure === 'client' ? 'at the client' : "by the servers' times";
    writeFileSync(
      join(outDir, file),
      frontierSvg(`Cold starts (${by}) vs warm memory, ${workload} (bench:routing-keep-warm)`, points),
    );
    files.push(file);
  }
  return files;
}

/** The keep-warm table of one workload, memory normalised to the fixed 10-minute keep-alive row of the same run. */
export function keepWarmTable(
  workload: { name: string; description: string },
  runs: readonly KeepWarmRun[],
  rows: readonly KeepWarmRow[],
): ResultTable {
  const mine = runs.filter((r) => r.workload === workload.name && r.lifetime);
  const rowOf = (name: string) => rows.find((r) => r.target.name === name);
  const reference = mine.find((r) => rowOf(r.target)?.reference)?.lifetime?.warmRuntimeSeconds;
  const norm = (v: number) => (reference ? v / reference : Number.NaN);
  return {
    title: `Keep-warm, ${workload.name}: ${workload.description}`,
    columns: [
      'router · executors',
      'delayed by a cold start, at the client (first calls)',
      "delayed, by the servers' times",
      'p95 ms',
      'p99 ms',
      'warm runtime·s (÷ fixed 10 min)',
      'pre-warms useful / wasted',
      'gateway deletes (surplus copies)',
      'in-flight peak ÷ avg (steady)',
      'errors',
    ],
    rows: mine.map((r) => {
      const l = r.lifetime!;
      return [
        r.target,
        `${round(l.delays.percent, 2)} % = ${l.delays.delayed} / ${l.delays.requests} (${l.delays.firstCalls})`,
        `${round(l.delays.percentByServers, 2)} %`,
        round(r.total.p95, 0),
        round(r.total.p99, 0),
        `${round(l.warmRuntimeSeconds, 0)} (${round(norm(l.warmRuntimeSeconds), 2)})`,
        l.prewarms ? `${l.prewarms.useful ?? 0} / ${l.prewarms.wasted ?? 0}` : '–',
        l.deletes === undefined ? '–' : `${l.deletes} (${l.trims ?? 0})`,
        round(r.total.inflightPeakToAvg, 2),
        r.total.errors,
      ];
    }),
  };
}
