import { evaluateFormula, parseFormula } from '../policy/formula.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricReading, ReasonCode } from '../types.ts';

/** One metric's proposal: a host count, or no data (`failure` = counts toward the fallback). */
export type MetricProposal =
  | { ok: true; hosts: number; demand: number; reason: ReasonCode; detail: string }
  | { ok: false; failure: boolean; reason: 'MetricNoData'; detail: string };

type Metric = Policy['metrics'][number];

/** Floating-point slack so that 320 / 8 never ceils to 41. */
const EPSILON = 1e-9;

/**
 * Step 3: a metric's proposal (docs/scaling-policy.md). `averagePerHost`: ceil(value / target);
 * `value` and `utilization`: ceil(current × value / target). Within the tolerance the current count
 * is proposed. A value at or below `activation` proposes zero hosts. `demand` is the unrounded
 * proposal (hosts' worth of demand), which panic mode compares with the capacity.
 */
export function proposeMetric(
  metric: Metric,
  reading: MetricReading | undefined,
  current: number,
  tolerance: number,
): MetricProposal {
  let value: number;
  if (!reading) return { ok: false, failure: true, reason: 'MetricNoData', detail: 'no reading' };
  if (reading.ok && !Number.isFinite(reading.value)) {
    return {
      ok: false,
      failure: true,
      reason: 'MetricNoData',
      detail: `notFinite: the value is ${reading.value}`,
    };
  }
  if (reading.ok) value = reading.value;
  else if (reading.reason === 'empty' && metric.onEmpty === 'zero') value = 0;
  else {
    const failure = !(reading.reason === 'empty' && metric.onEmpty === 'hold');
    const detail = `${reading.reason}${reading.detail ? `: ${reading.detail}` : ''}`;
    return { ok: false, failure, reason: 'MetricNoData', detail };
  }
  if (value <= metric.activation) {
    return {
      ok: true,
      hosts: 0,
      demand: 0,
      reason: 'Inactive',
      detail: `${value} ≤ activation ${metric.activation}`,
    };
  }
  const target = metric.target.value;
  const ratio = metric.target.type === 'averagePerHost' ? value / (target * current) : value / target;
  const demand = metric.target.type === 'averagePerHost' ? value / target : Math.max(current, 1) * ratio;
  const detail = `value ${round(value)}, target ${target} (${metric.target.type})`;
  if (current > 0 && Math.abs(ratio - 1) <= tolerance + EPSILON) {
    return { ok: true, hosts: current, demand, reason: 'WithinTolerance', detail };
  }
  return { ok: true, hosts: Math.ceil(demand - EPSILON), demand, reason: 'Proposed', detail };
}

/** The combined proposal of step 4 before the missing-data rules; null when it cannot be computed. */
export interface Combined {
  hosts: number | null;
  demand: number | null;
  reason: ReasonCode;
}

/**
 * Step 4, combine: the max of the valid proposals, or the formula over them (each metric name
 * stands for its proposal in hosts; the result is rounded up). A formula that names a metric with
 * no data cannot be computed: null, which the caller treats as no data.
 */
export function combineProposals(policy: Policy, proposals: Record<string, MetricProposal>): Combined {
  const valid = Object.entries(proposals).filter(
    (e): e is [string, Extract<MetricProposal, { ok: true }>] => e[1].ok,
  );
  if (valid.length === 0) return { hosts: null, demand: null, reason: 'MetricNoData' };
  const allWithin = valid.every(([, p]) => p.reason === 'WithinTolerance');
  if (policy.combine === 'max') {
    return {
      hosts: Math.max(...valid.map(([, p]) => p.hosts)),
      demand: Math.max(...valid.map(([, p]) => p.demand)),
      reason: allWithin ? 'WithinTolerance' : 'Proposed',
    };
  }
  const parsed = parseFormula(policy.combine.formula);
  if (!parsed.ok) return { hosts: null, demand: null, reason: 'MetricNoData' };
  const hosts = evaluateFormula(parsed.node, Object.fromEntries(valid.map(([n, p]) => [n, p.hosts])));
  const demand = evaluateFormula(parsed.node, Object.fromEntries(valid.map(([n, p]) => [n, p.demand])));
  if (hosts === undefined) return { hosts: null, demand: null, reason: 'MetricNoData' };
  return {
    hosts: Math.max(0, Math.ceil(hosts - EPSILON)),
    demand: Math.max(0, demand ?? hosts),
    reason: allWithin ? 'WithinTolerance' : 'Proposed',
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
