import type { Policy } from '../policy/schema.ts';
import type { MetricReading } from '../types.ts';
import { slotNoise } from './draw.ts';
import type { SimulationInput } from './run.ts';
import { SEASONAL_SCENARIOS } from './seasonal.ts';

/**
 * The policy the scenario table runs with (docs/scaling-policy.md, "Scenarios"): target 8 in flight
 * per host, interval 15 s, every other default, and `hosts.max: 50`, because the step-up scenario
 * must reach 40 hosts and the documented default max is 20.
 */
export const SCENARIO_POLICY_YAML = `pool: default
interval: 15s
hosts: { min: 1, max: 50 }
metrics:
  - name: inflight
    query: sum(fleetgate_gateway_inflight_requests)
    target: { type: averagePerHost, value: 8 }
`;

/** A named scenario: a demand series plus the fleet and faults around it. */
export interface Scenario {
  name: string;
  description: string;
  durationMs: number;
  demand: (t: number) => number;
  initialHosts: number;
  bootMs?: number;
  fault?: (t: number, metric: string) => MetricReading | undefined;
  restartAt?: number[];
  hangs?: (n: number) => boolean;
  /** History (ms) before t = 0 the scaler finds, as from Prometheus (see SimulationInput). */
  priorHistoryMs?: number;
  /** Changes the scenario makes to the policy (e.g. the budget scenario's maxHosts). */
  patch?: (policy: Policy) => Policy;
  /**
   * The demand without its noise (seasonal scenarios): what a perfect forecaster of the mean would
   * know; bench:scaler's noise-blind bound (scaler/simulate/oracle.ts) provisions from it.
   */
  expected?: (t: number) => number;
}

const S = 1_000;
const MIN = 60 * S;

/** `around` ± `amplitude` uniform jitter, one draw per (seed, second): the same whatever ran first. */
function noise(seed: number, around: number, amplitude: number): (t: number) => number {
  const draw = slotNoise(seed, S);
  return (t) => around * (1 + amplitude * draw(t));
}

const within = (t: number, from: number, to: number) => t >= from && t < to;

/** Times (ms) of the metric faults of the empty / NaN / two-series scenario: two ticks each, in turn. */
export const NO_DATA_WINDOWS = [
  { from: 5 * MIN, to: 5 * MIN + 30 * S, reading: { ok: false, reason: 'empty', detail: 'no series' } },
  { from: 6 * MIN, to: 6 * MIN + 30 * S, reading: { ok: true, value: Number.NaN } },
  {
    from: 7 * MIN,
    to: 7 * MIN + 30 * S,
    reading: { ok: false, reason: 'severalSeries', detail: 'the query returned 2 series' },
  },
] as const satisfies readonly { from: number; to: number; reading: MetricReading }[];

/** The outage of the metric-outage scenario: Prometheus answers 503 for 5 minutes. */
export const OUTAGE = { from: 5 * MIN, to: 10 * MIN };

/** Every named scenario (listed in docs/scaling-policy.md); a dry run is any of them in dryRun mode. */
export const SCENARIOS: Record<string, Scenario> = {
  'step-up': {
    name: 'step-up',
    description: 'demand 8 → 320 at t = 60 s',
    durationMs: 15 * MIN,
    demand: (t) => (t < 60 * S ? 8 : 320),
    initialHosts: 1,
  },
  'step-down': {
    name: 'step-down',
    description: 'demand 320 → 40 at t = 120 s, starting at 40 hosts',
    durationMs: 20 * MIN,
    demand: (t) => (t < 120 * S ? 320 : 40),
    initialHosts: 40,
  },
  spike: {
    name: 'spike',
    description: 'demand 40 → 200 (5×) for 20 s at t = 300 s',
    durationMs: 20 * MIN,
    demand: (t) => (within(t, 300 * S, 320 * S) ? 200 : 40),
    initialHosts: 5,
  },
  sine: {
    name: 'sine',
    description: 'demand 160 ± 60·sin(2πt / 120 s) for 1 h',
    durationMs: 60 * MIN,
    demand: (t) => 160 + 60 * Math.sin((2 * Math.PI * t) / (120 * S)),
    initialHosts: 20,
  },
  noise: {
    name: 'noise',
    description: 'demand 80 ± 8 % uniform jitter (seeded) around 10 hosts × target 8, 30 min',
    durationMs: 30 * MIN,
    demand: noise(42, 80, 0.08),
    initialHosts: 10,
  },
  'metric-outage': {
    name: 'metric-outage',
    description: 'Prometheus answers 503 for 5 min (t = 5–10 min) while demand falls 80 → 16',
    durationMs: 25 * MIN,
    demand: (t) => (t < OUTAGE.from ? 80 : 16),
    initialHosts: 10,
    fault: (t) =>
      within(t, OUTAGE.from, OUTAGE.to)
        ? { ok: false, reason: 'httpError', detail: 'HTTP 503 Service Unavailable' }
        : undefined,
  },
  'no-data': {
    name: 'no-data',
    description: 'demand 80 at 10 hosts; an empty result, NaN, then two series, 30 s each, in turn',
    durationMs: 10 * MIN,
    demand: () => 80,
    initialHosts: 10,
    fault: (t) => NO_DATA_WINDOWS.find((w) => within(t, w.from, w.to))?.reading,
  },
  restart: {
    name: 'restart',
    description:
      'restart at 10 hosts under low load (demand 16) at t = 0; demand 160 at t = 10 min and a restart 10 s later, mid-boot',
    durationMs: 20 * MIN,
    demand: (t) => (t < 10 * MIN ? 16 : 160),
    initialHosts: 10,
    restartAt: [10 * MIN + 10 * S],
  },
  'slow-boot': {
    name: 'slow-boot',
    description: 'boot 150 s; demand 8 → 160 at t = 60 s; the 3rd host started never finishes booting',
    durationMs: 20 * MIN,
    demand: (t) => (t < 60 * S ? 8 : 160),
    initialHosts: 1,
    bootMs: 150 * S,
    hangs: (n) => n === 3,
  },
  budget: {
    name: 'budget',
    description: 'demand 80 → 400 (50 hosts) at t = 60 s with hosts.max 100 and budget.maxHosts 30',
    durationMs: 15 * MIN,
    demand: (t) => (t < 60 * S ? 80 : 400),
    initialHosts: 10,
    patch: (p) => ({ ...p, hosts: { ...p.hosts, max: 100 }, budget: { ...p.budget, maxHosts: 30 } }),
  },
  ...SEASONAL_SCENARIOS,
};

/** The simulation input for a scenario with a policy (its patch applied); `bootMs` overrides. */
export function scenarioInput(scenario: Scenario, policy: Policy, bootMs?: number): SimulationInput {
  const input: SimulationInput = {
    policy: scenario.patch ? scenario.patch(policy) : policy,
    demand: scenario.demand,
    durationMs: scenario.durationMs,
    initialHosts: scenario.initialHosts,
  };
  const boot = bootMs ?? scenario.bootMs;
  if (boot !== undefined) input.bootMs = boot;
  if (scenario.fault) input.fault = scenario.fault;
  if (scenario.restartAt) input.restartAt = scenario.restartAt;
  if (scenario.hangs) input.hangs = scenario.hangs;
  if (scenario.priorHistoryMs) input.priorHistoryMs = scenario.priorHistoryMs;
  return input;
}
