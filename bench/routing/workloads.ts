import { relative } from 'node:path';
import { seededRandom } from '../../lib/random.ts';
import type { LoadEvent } from '../../load/plan.ts';
import { syntheticPlan } from '../../load/plan.ts';
import { type TracePlanOptions, tracePlan, traceRate } from '../../load/trace.ts';
import { loadTrace } from '../../load/trace-file.ts';

/** A workload: the request schedule plus how it was made, for the README. */
export interface Workload {
  name: string;
  description: string;
  events: LoadEvent[];
  durationMs: number;
}

/** Parameters of the Zipf-skewed synthetic workload. */
export interface ZipfParams {
  rps: number;
  durationMs: number;
  runtimes: number;
  s: number;
  /** Execution time: lognormal with this median (ms) and sigma. */
  medianMs: number;
  sigma: number;
  seed: number;
}

/** Zipf(s) popularity over K runtimes at a fixed rate; execution times lognormal, seeded. */
export function zipfWorkload(p: ZipfParams): Workload {
  const random = seededRandom(p.seed ^ 0xd00d);
  const events = [
    ...syntheticPlan({
      rps: p.rps,
      durationMs: p.durationMs,
      runtimes: p.runtimes,
      zipf: p.s,
      seed: p.seed,
      prefix: 'zipf',
    }),
  ].map((e) => {
    // Box-Muller: one standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return { ...e, durationMs: Math.max(1, Math.round(p.medianMs * Math.exp(p.sigma * z))) };
  });
  return {
    name: 'zipf',
    description: `${p.rps} req/s open loop over ${p.runtimes} runtimes with Zipf(s = ${p.s}) popularity, execution time lognormal (median ${p.medianMs} ms, σ ${p.sigma}), ${p.durationMs / 1000} s`,
    events,
    durationMs: p.durationMs,
  };
}

/** How the Azure sample is compressed and scaled onto this machine: the trace replay options plus where it lives. */
export interface AzureParams extends TracePlanOptions {
  traceDir: string;
}

/** Replay of the Azure Functions 2019 sample: each function one runtime id. */
export async function azureWorkload(p: AzureParams): Promise<Workload> {
  const trace = await loadTrace(p.traceDir);
  const events = [...tracePlan(trace, p)];
  const minutes = (p.durationMs / 60_000) * p.speedup;
  const rate = traceRate(trace, p.startMinute, minutes, p.speedup) * p.scale;
  const functions = new Set(events.map((e) => e.runtimeId)).size;
  return {
    name: 'azure',
    description: `${relative(process.cwd(), p.traceDir) || p.traceDir} minutes ${p.startMinute}–${p.startMinute + minutes - 1} replayed ${p.speedup}× faster (one trace minute per ${60 / p.speedup} s), counts × ${p.scale} (≈ ${Math.round(rate)} req/s, ${events.length} requests, ${functions} functions), execution times drawn from each function's percentiles × ${p.durationScale} (capped at ${p.maxDurationMs} ms)`,
    events,
    durationMs: p.durationMs,
  };
}
