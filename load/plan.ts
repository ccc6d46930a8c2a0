import { seededRandom } from '../lib/random.ts';
import { zipfSampler } from './zipf.ts';

/** One request of a load run: when to send it and which runtime it executes. */
export interface LoadEvent {
  /** Milliseconds after the start of the run. */
  at: number;
  runtimeId: string;
  /** How long the execution should take, when the workload says (trace replay). */
  durationMs?: number;
}

/** A synthetic open-loop workload: a fixed request rate over K runtimes with Zipf popularity. */
export interface SyntheticPlanOptions {
  /** Requests per second (> 0). */
  rps: number;
  /** Length of the run in milliseconds. */
  durationMs: number;
  /** Number of distinct runtimes (K ≥ 1). */
  runtimes: number;
  /** Zipf exponent; 0 is uniform. */
  zipf: number;
  seed: number;
  /** Runtime ids are `<prefix>-<rank>`; rank 0 is the most popular. */
  prefix: string;
  /** Execution time asked of every request, ms; 0 or absent asks for none. */
  execTimeMs?: number;
}

/**
 * The requests of a synthetic run, lazily, in time order: request i goes out at i / rps seconds
 * (open loop: the schedule never waits for responses, so a slow server meets the same demand).
 */
export function* syntheticPlan(options: SyntheticPlanOptions): Generator<LoadEvent> {
  if (!(options.rps > 0)) throw new RangeError(`rps must be > 0, got ${options.rps}`);
  const draw = zipfSampler(options.runtimes, options.zipf, seededRandom(options.seed));
  const interval = 1000 / options.rps;
  for (let i = 0; ; i++) {
    const at = i * interval;
    if (at >= options.durationMs) return;
    const event: LoadEvent = { at, runtimeId: `${options.prefix}-${draw()}` };
    if (options.execTimeMs) event.durationMs = options.execTimeMs;
    yield event;
  }
}

/** How many requests a plan holds, by walking it (plans are cheap to regenerate from their seed). */
export function countEvents(plan: Iterable<LoadEvent>): number {
  let n = 0;
  for (const _ of plan) n++;
  return n;
}
