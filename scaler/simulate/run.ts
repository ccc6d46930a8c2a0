import { pickVictims } from '../evaluate/drain.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { initialState } from '../evaluate/state.ts';
import type { Policy } from '../policy/schema.ts';
import type {
  Decision,
  DecisionRecord,
  HistoryPoint,
  MetricReading,
  Observation,
  ObservedHost,
  ScaleAction,
  ScalerState,
} from '../types.ts';
import { computeFigures, type Figures, type Sample, type ScaleEventSample } from './figures.ts';
import { SimFleet } from './fleet.ts';

/** A simulated run: a policy against a demand series on a simulated clock. */
export interface SimulationInput {
  policy: Policy;
  /** In-flight demand (concurrent executions wanted) at `t` ms since the start. */
  demand: (t: number) => number;
  durationMs: number;
  /** Host boot delay (default 45 s, as in the scenario table). */
  bootMs?: number;
  /** Execution time, ms: how long a drained host takes to finish its work (default 1 s). */
  execMs?: number;
  /** Hosts active at t = 0 (default `hosts.min`). */
  initialHosts?: number;
  /** Overrides a metric reading at `t` (outages, empty results, NaN…); undefined = the real value. */
  fault?: (t: number, metric: string) => MetricReading | undefined;
  /** Times (ms) at which the scaler restarts: its state is lost and its ticks restart from there. */
  restartAt?: readonly number[];
  /** Whether the n-th host started (1-based) hangs in booting forever. */
  hangs?: (n: number) => boolean;
  /** A second policy evaluated on the very same observations (e.g. the dry-run of this one). */
  shadow?: Policy;
  /** Target in-flight per host for the figures (default: the first averagePerHost target, else 8). */
  targetPerHost?: number;
  /**
   * History the scaler finds at t = 0 (what a Prometheus range query returns): the demand's peak of
   * each `forecast.step` over this many ms before 0 (`demand` must be defined for t < 0). Default 0.
   */
  priorHistoryMs?: number;
  /**
   * Replaces evaluate() with a reference controller giving the desired host count at each tick
   * (oracle.ts): the fleet, ticks and figures stay the same; drains pick booting hosts first, then
   * the fewest warm runtimes. No decision records.
   */
  controller?: (t: number) => number;
}

/** A run's result: every decision record, per-second samples, the figures. */
export interface SimulationResult {
  records: DecisionRecord[];
  shadowRecords: DecisionRecord[];
  samples: Sample[];
  figures: Figures;
  /** Times (ms) of the scaler (re)starts, including 0. */
  starts: number[];
  /** The scaler's state after its last tick (e.g. the reactive shadow's tallies). */
  state: ScalerState;
}

const SECOND = 1_000;

/** How long a simulated host boots unless the input says otherwise (the scenario table's 45 s). */
export const DEFAULT_BOOT_MS = 45 * SECOND;

/** The target per host the figures measure capacity with. */
export function targetOf(policy: Policy): number {
  return policy.metrics.find((m) => m.target.type === 'averagePerHost')?.target.value ?? 8;
}

/**
 * Runs the real `evaluate` once per policy interval against a simulated fleet, one second at a
 * time. Each metric of the policy reads the fleet's in-flight total (the demand: the gateway counts
 * queued requests as in flight), unless `fault` says otherwise. Actions are applied only when
 * flagged to execute, so a dry-run leaves the fleet (and the registry) untouched.
 */
export function simulate(input: SimulationInput): SimulationResult {
  const { policy } = input;
  const fleet = new SimFleet({
    bootMs: input.bootMs ?? DEFAULT_BOOT_MS,
    execMs: input.execMs ?? SECOND,
    drainTimeoutMs: policy.drain.timeout,
    ...(input.hangs ? { hangs: input.hangs } : {}),
  });
  fleet.seedActive(input.initialHosts ?? policy.hosts.min, 0);
  const restarts = [...(input.restartAt ?? [])].sort((a, b) => a - b);
  let startedAt = 0;
  let state: ScalerState = initialState();
  let shadowState: ScalerState = initialState();
  const records: DecisionRecord[] = [];
  const shadowRecords: DecisionRecord[] = [];
  const samples: Sample[] = [];
  const events: ScaleEventSample[] = [];
  // Each metric's history survives restarts: it lives in Prometheus, not in the scaler.
  const history: Record<string, HistoryPoint[]> = Object.fromEntries(
    policy.metrics.map((m) => [m.name, priorHistory(input, policy.forecast.step)]),
  );
  const target = input.targetPerHost ?? targetOf(policy);
  let forecastHosts: number | undefined;

  for (let t = 0; t <= input.durationMs; t += SECOND) {
    fleet.advance(t);
    if (restarts[0] !== undefined && t >= restarts[0]) {
      restarts.shift();
      startedAt = t;
      state = initialState();
      shadowState = initialState();
    }
    const demand = Math.max(0, input.demand(t));
    const counts = fleet.counts();
    const before = counts.active + counts.booting;
    if ((t - startedAt) % policy.interval === 0) {
      const metrics: Record<string, MetricReading> = Object.fromEntries(
        policy.metrics.map((m) => [m.name, input.fault?.(t, m.name) ?? { ok: true, value: demand }]),
      );
      for (const [name, reading] of Object.entries(metrics)) {
        if (reading.ok && Number.isFinite(reading.value)) history[name]?.push({ t, value: reading.value });
      }
      const obs: Observation = { hosts: fleet.observe(t, demand), metrics, startedAt, history };
      if (input.controller) {
        applyPlan(fleet, planFor(input.controller(t), obs.hosts), events, t, demand);
        samples.push({ t: t / SECOND, demand, ...fleet.counts(), before });
        continue;
      }
      const decision: Decision = evaluate(policy, state, obs, t);
      state = decision.state;
      records.push(decision.record);
      forecastHosts = forecastOf(decision.record, target);
      if (input.shadow) {
        const shadow = evaluate(input.shadow, shadowState, obs, t);
        shadowState = shadow.state;
        shadowRecords.push(shadow.record);
      }
      applyPlan(fleet, decision.actions, events, t, demand);
    }
    samples.push({
      t: t / SECOND,
      demand,
      ...fleet.counts(),
      before,
      ...(forecastHosts !== undefined ? { forecast: forecastHosts } : {}),
    });
  }
  const c = fleet.counters;
  const figures = computeFigures(samples, events, target, policy.tolerance, {
    cutOff: c.cutOff,
    stoppedBusy: c.stoppedBusy,
    warmDrained: c.warmDrained,
    started: c.started,
    replaced: c.replaced,
    registryWrites: c.registryWrites,
  });
  return { records, shadowRecords, samples, figures, starts: [0, ...(input.restartAt ?? [])], state };
}

/** Applies a tick's executable actions to the fleet and records it as a scale event if it planned any. */
function applyPlan(
  fleet: SimFleet,
  actions: readonly ScaleAction[],
  events: ScaleEventSample[],
  t: number,
  demand: number,
): void {
  const planned = actions.filter((a) => a.type !== 'replace');
  if (planned.length > 0)
    events.push({ t: t / SECOND, direction: planned[0]!.type === 'start' ? 'up' : 'down' });
  for (const action of actions) {
    if (!action.execute) continue;
    if (action.type === 'start') fleet.start(action.count, t);
    else if (action.type === 'drain') fleet.drain(action.hostId, t, demand);
    else fleet.replace(action.hostId, t);
  }
}

/** A reference controller's plan: start or drain (booting first, then fewest warm runtimes) to `desired`. */
function planFor(desired: number, hosts: readonly ObservedHost[]): ScaleAction[] {
  const booting = hosts.filter((h) => h.state === 'booting');
  const active = hosts.filter((h) => h.state === 'active');
  const toStart = desired - booting.length - active.length;
  if (toStart > 0) return [{ type: 'start', count: toStart, execute: true }];
  return pickVictims('fewestWarmRuntimes', booting, active, -toStart).map((h) => ({
    type: 'drain' as const,
    hostId: h.id,
    execute: true,
  }));
}

/** The prior history: the demand's peak of each step over `priorHistoryMs` before t = 0. */
function priorHistory(input: SimulationInput, step: number): HistoryPoint[] {
  const prior = input.priorHistoryMs ?? 0;
  const points: HistoryPoint[] = [];
  for (let from = -Math.ceil(prior / step) * step; from < 0; from += step) {
    let peak = 0;
    for (let t = from; t < from + step; t += SECOND) peak = Math.max(peak, input.demand(t));
    points.push({ t: from, value: peak });
  }
  return points;
}

/** The trusted forecast's upper bound in hosts' worth (max over metrics), if the record has one. */
function forecastOf(record: DecisionRecord, target: number): number | undefined {
  const uppers = Object.values(record.forecasts ?? {})
    .filter((f) => f.trusted && f.upper !== null)
    .map((f) => f.upper! / target);
  return uppers.length > 0 ? Math.max(...uppers) : undefined;
}
