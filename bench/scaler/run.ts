/**
 * `npm run bench:scaler`: the simulator on every scenario of docs/scaling-policy.md, the multi-day
 * seasonal scenarios and the Azure trace sample as demand, for Fleetgate's reactive default, the
 * same policy with the forecast on, and an HPA-like baseline. Pure computation on a simulated clock:
 * no process is started. Writes bench/results/scaler.json and scaler.md.
 */
import type { Policy } from '../../scaler/policy/schema.ts';
import type { Figures } from '../../scaler/simulate/figures.ts';
import {
  expectedController,
  noiseFactor,
  oracleController,
  presentController,
} from '../../scaler/simulate/oracle.ts';
import { simulate } from '../../scaler/simulate/run.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { type Workload, workloads } from './inputs.ts';
import { adaptiveAt, fleetgatePolicy, hpaBaseline, predictiveAt, predictivePolicy } from './policies.ts';

const POLICIES: [string, Policy][] = [
  ['Fleetgate default', fleetgatePolicy],
  ['Fleetgate predictive', predictivePolicy],
  ['HPA-like baseline', hpaBaseline],
];

const COLUMNS: [keyof Figures, string][] = [
  ['scaleUpLatencyS', 'scale-up latency (s)'],
  ['underProvisionedS', 'under-provisioned (s)'],
  ['overProvisionedHostS', 'over-provisioned (host·s)'],
  ['scaleEvents', 'scale events'],
  ['reversals', 'reversals'],
  ['executionsCutOff', 'executions cut off'],
  ['warmRuntimesDrained', 'warm runtimes drained'],
  ['peakHosts', 'peak hosts'],
];

/** Quantiles of the frontier table: the forecast's coverage against headroom. */
const FRONTIER = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
/** Miss-rate targets of the adaptive quantile's frontier (forecast.missRate). */
const MISS_RATES = [0.05, 0.08, 0.1, 0.12, 0.15];
/**
 * Look-aheads of the perfect-foresight oracle (seconds): 60 = host boot 45 s + one 15 s tick, the
 * shortest that never leaves demand unserved and the drain/reboot break-even (scaler/simulate/oracle.ts).
 */
const ORACLE = [15, 30, 45, 60, 105];
/** The oracle's look-ahead compared with the policies: boot + interval. */
const ORACLE_AT = 60;
/** Quantiles of demand ÷ expected the noise-blind bound provisions for (oracle.ts, expectedController). */
const NOISE_Q = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99];
/** Scale-down windows of the reactive frontier (seconds): the HPA-like baseline's own trade-off. */
const WINDOWS = [60, 120, 180, 300, 600];
/**
 * The reactive frontier with spare hosts: the HPA-like baseline at these windows (seconds) with
 * `buffer.percent` at each of BUFFERS, so headroom alone is measured against the forecast's.
 */
const BUFFER_WINDOWS = [60, 120, 300];
const BUFFERS = [0, 10, 20, 30, 50];

const pct = (a: number, b: number) =>
  b === 0 ? (a === 0 ? '0 %' : '–') : `${Math.round((100 * (a - b)) / b)} %`;

/** Over-provisioned host·s of a frontier (ordered by window) at `under` s, linear between points. */
function interpolate(curve: readonly Figures[], under: number): number | null {
  for (let i = 0; i + 1 < curve.length; i++) {
    const [a, b] = [curve[i]!, curve[i + 1]!];
    const [hi, lo] = [a.underProvisionedS, b.underProvisionedS];
    if (under <= hi && under >= lo && hi !== lo) {
      return (
        a.overProvisionedHostS +
        ((hi - under) / (hi - lo)) * (b.overProvisionedHostS - a.overProvisionedHostS)
      );
    }
  }
  return null;
}

function main(): void {
  const args = parseBenchArgs(process.argv.slice(2));
  const scale = numberOption(args, 'scale', 10);
  const result = startResult('scaler', args.quick);
  const loads = workloads(scale, args.quick);
  // The same policy on the same workload is run once (the frontiers hold the defaults' points too).
  const memo = new Map<string, Figures>();
  const run = (w: Workload, policy: Policy): Figures => {
    const key = `${w.name}\n${JSON.stringify(policy)}`;
    let figures = memo.get(key);
    if (!figures) {
      figures = simulate(w.make(policy)).figures;
      memo.set(key, figures);
    }
    return figures;
  };
  const runs: { scenario: string; policy: string; figures: Figures }[] = [];
  for (const w of loads) {
    for (const [name, policy] of POLICIES) {
      runs.push({ scenario: w.name, policy: name, figures: run(w, policy) });
    }
  }
  const fig = (scenario: string, policy: string) =>
    runs.find((r) => r.scenario === scenario && r.policy === policy)!.figures;
  const tables: ResultTable[] = POLICIES.map(([name]) => ({
    title: name,
    columns: ['scenario', ...COLUMNS.map(([, label]) => label)],
    rows: loads.map((w) => [w.name, ...COLUMNS.map(([k]) => fig(w.name, name)[k])]),
  }));
  // The goal of issue 16: ≥ 25 % fewer over-provisioned host·s at no more under-provisioned seconds.
  const goal: ResultTable = {
    title:
      'Predictive against HPA-like and reactive (over-provisioned host·s and under-provisioned s; Δ = predictive vs the other)',
    columns: [
      'scenario',
      'role',
      'over: predictive / reactive / HPA-like',
      'Δ over vs HPA-like',
      'under: predictive / reactive / HPA-like',
      'scale events: predictive / reactive / HPA-like',
      'goal met (≥ 25 % less over, ≤ under, vs both)',
    ],
    rows: loads.map((w) => {
      const [f, p, h] = ['Fleetgate default', 'Fleetgate predictive', 'HPA-like baseline'].map((n) =>
        fig(w.name, n),
      ) as [Figures, Figures, Figures];
      const met = [f, h].every(
        (b) =>
          p.underProvisionedS <= b.underProvisionedS &&
          p.overProvisionedHostS <= 0.75 * b.overProvisionedHostS,
      );
      return [
        w.name,
        w.role,
        `${p.overProvisionedHostS} / ${f.overProvisionedHostS} / ${h.overProvisionedHostS}`,
        pct(p.overProvisionedHostS, h.overProvisionedHostS),
        `${p.underProvisionedS} / ${f.underProvisionedS} / ${h.underProvisionedS}`,
        `${p.scaleEvents} / ${f.scaleEvents} / ${h.scaleEvents}`,
        w.goal ? (met ? 'yes' : 'no') : `(${met ? 'yes' : 'no'})`,
      ];
    }),
  };
  // The frontier: the forecast's quantile moves along over- against under-provisioning.
  const frontierLoads = loads.filter((w) => w.goal);
  const frontier: { scenario: string; quantile: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    for (const q of FRONTIER)
      frontier.push({ scenario: w.name, quantile: q, figures: run(w, predictiveAt(q)) });
  }
  const frontierTable: ResultTable = {
    title:
      'Frontier: predictive at each forecast.quantile, under-provisioned s / over-provisioned host·s (HPA-like for reference)',
    columns: ['scenario', ...FRONTIER.map((q) => `q ${q}`), 'HPA-like'],
    rows: frontierLoads.map((w) => [
      w.name,
      ...FRONTIER.map((q) => {
        const f = frontier.find((r) => r.scenario === w.name && r.quantile === q)!.figures;
        return `${f.underProvisionedS} / ${f.overProvisionedHostS}`;
      }),
      `${fig(w.name, 'HPA-like baseline').underProvisionedS} / ${fig(w.name, 'HPA-like baseline').overProvisionedHostS}`,
    ]),
  };
  // The adaptive quantile: a miss-rate target instead of a quantile, each workload finding its own
  // quantile; and, for reference, the target set to the HPA-like's own under-provisioned share.
  const adaptive: { scenario: string; missRate: number | 'HPA'; figures: Figures }[] = [];
  const hpaShare = (w: Workload) =>
    fig(w.name, 'HPA-like baseline').underProvisionedS / (w.make(hpaBaseline).durationMs / 1000);
  for (const w of frontierLoads) {
    for (const a of MISS_RATES)
      adaptive.push({ scenario: w.name, missRate: a, figures: run(w, adaptiveAt(a)) });
    const share = Math.round(hpaShare(w) * 1000) / 1000;
    adaptive.push({ scenario: w.name, missRate: 'HPA', figures: run(w, adaptiveAt(share)) });
  }
  const adaptiveTable: ResultTable = {
    title:
      "Frontier: predictive with the adaptive quantile at each forecast.missRate (adaptGain default), under-provisioned s / over-provisioned host·s (Δ over vs HPA-like); last: missRate = the HPA-like's own under-provisioned share of the run (per workload, not a setting)",
    columns: ['scenario', ...MISS_RATES.map((a) => `missRate ${a}`), "at HPA-like's share", 'HPA-like'],
    rows: frontierLoads.map((w) => {
      const h = fig(w.name, 'HPA-like baseline');
      const cell = (f: Figures) =>
        `${f.underProvisionedS} / ${f.overProvisionedHostS} (${pct(f.overProvisionedHostS, h.overProvisionedHostS)})`;
      const at = adaptive.find((r) => r.scenario === w.name && r.missRate === 'HPA')!.figures;
      return [
        w.name,
        ...MISS_RATES.map((a) =>
          cell(adaptive.find((r) => r.scenario === w.name && r.missRate === a)!.figures),
        ),
        `${Math.round(hpaShare(w) * 1000) / 10} %: ${cell(at)}`,
        `${h.underProvisionedS} / ${h.overProvisionedHostS}`,
      ];
    }),
  };
  // The reactive policy's own frontier, so the forecast is judged against every window, not one.
  const reactive: { scenario: string; windowS: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    for (const s of WINDOWS) {
      const policy = {
        ...hpaBaseline,
        scaleDown: { ...hpaBaseline.scaleDown, stabilizationWindow: s * 1000 },
      };
      reactive.push({ scenario: w.name, windowS: s, figures: run(w, policy) });
    }
  }
  const reactiveTable: ResultTable = {
    title:
      'Frontier: HPA-like at each scaleDown.stabilizationWindow, under-provisioned s / over-provisioned host·s',
    columns: ['scenario', ...WINDOWS.map((s) => `${s} s`)],
    rows: frontierLoads.map((w) => [
      w.name,
      ...WINDOWS.map((s) => {
        const f = reactive.find((r) => r.scenario === w.name && r.windowS === s)!.figures;
        return `${f.underProvisionedS} / ${f.overProvisionedHostS}`;
      }),
    ]),
  };
  // One point against a curve: the lowest quantile whose under-provisioning is at most the
  // HPA-like's, against the reactive frontier interpolated at the same under-provisioning.
  const versus: ResultTable = {
    title:
      'Predictive against the reactive frontier: the lowest forecast.quantile with no more under-provisioned s than HPA-like (300 s), and the HPA-like frontier at the same under-provisioned s (linear between windows)',
    columns: [
      'scenario',
      'quantile',
      'under (s)',
      'over (host·s)',
      'frontier over (host·s)',
      'over vs frontier',
    ],
    rows: frontierLoads.map((w) => {
      const limit = fig(w.name, 'HPA-like baseline').underProvisionedS;
      const pick = frontier
        .filter((r) => r.scenario === w.name && r.figures.underProvisionedS <= limit)
        .sort((a, b) => a.quantile - b.quantile)[0];
      if (!pick) return [w.name, '–', '–', '–', '–', '–'];
      const curve = reactive.filter((r) => r.scenario === w.name).map((r) => r.figures);
      const at = interpolate(curve, pick.figures.underProvisionedS);
      return [
        w.name,
        pick.quantile,
        pick.figures.underProvisionedS,
        pick.figures.overProvisionedHostS,
        at === null ? '–' : Math.round(at),
        at === null ? '–' : pct(pick.figures.overProvisionedHostS, at),
      ];
    }),
  };
  // The bound: a controller that knows the demand ahead (not a policy; no forecaster can do better
  // with the same boot time and tick), at several look-aheads.
  const oracle: { scenario: string; horizonS: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    for (const h of ORACLE) {
      const input = w.make(fleetgatePolicy);
      const { min, max } = fleetgatePolicy.hosts;
      input.controller = oracleController(input.demand, 8, h * 1000, { min, max });
      oracle.push({ scenario: w.name, horizonS: h, figures: simulate(input).figures });
    }
  }
  const oracleAt = (scenario: string, h: number) =>
    oracle.find((r) => r.scenario === scenario && r.horizonS === h)!.figures;
  const oracleTable: ResultTable = {
    title:
      'Reference, not a policy: perfect-foresight oracle (knows future demand; same simulator, boot, tick and drains; no windows, rates or budget) at each look-ahead, under-provisioned s / over-provisioned host·s',
    columns: [
      'scenario',
      ...ORACLE.map((h) => `${h} s`),
      'HPA-like',
      `oracle ${ORACLE_AT} s over vs HPA-like`,
      'predictive over vs HPA-like',
    ],
    rows: frontierLoads.map((w) => {
      const h = fig(w.name, 'HPA-like baseline');
      return [
        w.name,
        ...ORACLE.map((s) => {
          const f = oracleAt(w.name, s);
          return `${f.underProvisionedS} / ${f.overProvisionedHostS}`;
        }),
        `${h.underProvisionedS} / ${h.overProvisionedHostS}`,
        pct(oracleAt(w.name, ORACLE_AT).overProvisionedHostS, h.overProvisionedHostS),
        pct(fig(w.name, 'Fleetgate predictive').overProvisionedHostS, h.overProvisionedHostS),
      ];
    }),
  };
  // The noise-blind bound: knows the expected demand ahead and the noise's distribution, not the
  // noise. Between it and the oracle is the noise's price; between it and predictive, the forecaster's.
  const blind: { scenario: string; quantile: number; factor: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    if (!w.expected) continue;
    for (const q of NOISE_Q) {
      const input = w.make(fleetgatePolicy);
      const { min, max } = fleetgatePolicy.hosts;
      const factor = noiseFactor(input.demand, w.expected, input.durationMs, 1000, q);
      input.controller = expectedController(w.expected, factor, 8, ORACLE_AT * 1000, { min, max });
      blind.push({ scenario: w.name, quantile: q, factor, figures: simulate(input).figures });
    }
  }
  const blindTable: ResultTable = {
    title: `Reference, not a policy: noise-blind bound (knows the expected demand ahead, ${ORACLE_AT} s look-ahead, and the noise's distribution, not the noise: provisions expected × the quantile of demand ÷ expected) at each quantile, under-provisioned s / over-provisioned host·s; the bound, predictive and the HPA-like frontier at HPA-like's under-provisioned s`,
    columns: [
      'scenario',
      ...NOISE_Q.map((q) => `q ${q}`),
      'bound at HPA-like under',
      'predictive at HPA-like under',
      'HPA-like frontier at HPA-like under',
      'bound vs HPA-like',
    ],
    rows: frontierLoads
      .filter((w) => w.expected)
      .map((w) => {
        const h = fig(w.name, 'HPA-like baseline');
        const limit = h.underProvisionedS;
        const curve = blind.filter((r) => r.scenario === w.name).map((r) => r.figures);
        const at = interpolate(curve, limit);
        const predictive = interpolate(
          frontier.filter((r) => r.scenario === w.name).map((r) => r.figures),
          limit,
        );
        return [
          w.name,
          ...curve.map((f) => `${f.underProvisionedS} / ${f.overProvisionedHostS}`),
          at === null ? '–' : Math.round(at),
          predictive === null ? '–' : Math.round(predictive),
          h.overProvisionedHostS,
          at === null ? '–' : pct(at, h.overProvisionedHostS),
        ];
      }),
  };
  // The same bound with the present in view: the noise of the minute under way is read, as every
  // scaler reads its metric (the scenarios' noise and the Azure sample hold for a minute).
  const present: { scenario: string; quantile: number; factor: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    if (!w.expected) continue;
    for (const { quantile, factor } of blind.filter((r) => r.scenario === w.name)) {
      const input = w.make(fleetgatePolicy);
      const { min, max } = fleetgatePolicy.hosts;
      input.controller = presentController(input.demand, w.expected, factor, 8, ORACLE_AT * 1000, {
        min,
        max,
      });
      present.push({ scenario: w.name, quantile, factor, figures: simulate(input).figures });
    }
  }
  const predictiveAtHpa = (w: Workload) =>
    interpolate(
      frontier.filter((r) => r.scenario === w.name).map((r) => r.figures),
      fig(w.name, 'HPA-like baseline').underProvisionedS,
    );
  const presentTable: ResultTable = {
    title: `Reference, not a policy: the noise-blind bound with the present in view (as above, but the minute under way provisioned from its own demand ÷ expected: noise that holds a minute is known once the minute has begun, to any scaler that reads its metric) at each quantile, under-provisioned s / over-provisioned host·s; at HPA-like's under-provisioned s`,
    columns: [
      'scenario',
      ...NOISE_Q.map((q) => `q ${q}`),
      'bound at HPA-like under',
      'predictive at HPA-like under',
      'bound vs HPA-like',
      'predictive vs HPA-like',
    ],
    rows: frontierLoads
      .filter((w) => w.expected)
      .map((w) => {
        const h = fig(w.name, 'HPA-like baseline');
        const curve = present.filter((r) => r.scenario === w.name).map((r) => r.figures);
        const at = interpolate(curve, h.underProvisionedS);
        const p = predictiveAtHpa(w);
        return [
          w.name,
          ...curve.map((f) => `${f.underProvisionedS} / ${f.overProvisionedHostS}`),
          at === null ? '–' : Math.round(at),
          p === null ? '–' : Math.round(p),
          at === null ? '–' : pct(at, h.overProvisionedHostS),
          p === null ? '–' : pct(p, h.overProvisionedHostS),
        ];
      }),
  };
  // Headroom without a forecast: the HPA-like baseline with a shorter window and spare hosts.
  const buffered: { scenario: string; windowS: number; percent: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    for (const s of BUFFER_WINDOWS) {
      for (const percent of BUFFERS) {
        const policy = {
          ...hpaBaseline,
          scaleDown: { ...hpaBaseline.scaleDown, stabilizationWindow: s * 1000 },
          buffer: { ...hpaBaseline.buffer, percent },
        };
        buffered.push({ scenario: w.name, windowS: s, percent, figures: run(w, policy) });
      }
    }
  }
  const bufferTable: ResultTable = {
    title:
      'Frontier: HPA-like with spare hosts (buffer.percent 0–50 %) at each scaleDown.stabilizationWindow, over-provisioned host·s at HPA-like (300 s, no buffer) under-provisioned s (linear between buffers), against predictive at the same under-provisioned s (linear between quantiles)',
    columns: [
      'scenario',
      ...BUFFER_WINDOWS.map((s) => `${s} s + buffer`),
      'best reactive + buffer',
      'predictive',
      'predictive vs best reactive + buffer',
    ],
    rows: frontierLoads.map((w) => {
      const limit = fig(w.name, 'HPA-like baseline').underProvisionedS;
      const ats = BUFFER_WINDOWS.map((s) =>
        interpolate(
          buffered.filter((r) => r.scenario === w.name && r.windowS === s).map((r) => r.figures),
          limit,
        ),
      );
      const found = ats.filter((a): a is number => a !== null);
      const best = found.length > 0 ? Math.min(...found) : null;
      const p = predictiveAtHpa(w);
      return [
        w.name,
        ...ats.map((a) => (a === null ? '–' : Math.round(a))),
        best === null ? '–' : Math.round(best),
        p === null ? '–' : Math.round(p),
        best === null || p === null ? '–' : pct(p, best),
      ];
    }),
  };
  // drain.warmRuntimeCost: warm state kept against host·s held, on the reactive default.
  // A simulated host gains one warm runtime a minute up to 20, and the saving is one 300 s window:
  // a cost above 15 s per runtime is where pricing starts to keep hosts.
  const costs = [0, 30, 60];
  const warm: { scenario: string; costS: number; figures: Figures }[] = [];
  for (const w of frontierLoads) {
    for (const c of costs) {
      const policy = { ...fleetgatePolicy, drain: { ...fleetgatePolicy.drain, warmRuntimeCost: c * 1000 } };
      warm.push({ scenario: w.name, costS: c, figures: run(w, policy) });
    }
  }
  const warmTable: ResultTable = {
    title:
      'drain.warmRuntimeCost on the reactive default: warm runtimes drained / over-provisioned host·s / under-provisioned s',
    columns: ['scenario', ...costs.map((c) => `${c} s per warm runtime`)],
    rows: frontierLoads.map((w) => [
      w.name,
      ...costs.map((c) => {
        const f = warm.find((r) => r.scenario === w.name && r.costS === c)!.figures;
        return `${f.warmRuntimesDrained} / ${f.overProvisionedHostS} / ${f.underProvisionedS}`;
      }),
    ]),
  };
  result.finish(
    args.outDir,
    [
      ...tables,
      goal,
      frontierTable,
      adaptiveTable,
      reactiveTable,
      bufferTable,
      versus,
      oracleTable,
      blindTable,
      presentTable,
      warmTable,
    ],
    [
      'Simulated clock, 1 s steps, one scaler tick per 15 s, host boot 45 s (slow-boot: 150 s), drained hosts finish their executions within 1 s.',
      'Every policy runs through the same evaluate() and simulator; they differ only in policy (see bench/scaler/policies.ts).',
      `Azure trace: in flight = Σ invocations/min × average duration / 60 s per minute, ×${scale}${args.quick ? ', first 2 h' : ', 8 h'}; the second half starts with the first half as history.`,
      `"noise, N h after 3 h of history": the noise row with the history a running scaler has (the scenario table's runs 30 min without any, so the forecast is never trusted there); "zero scale events on noise" is read here.`,
      'Seasonal scenarios start with days of history (scaler/simulate/seasonal.ts). Role: dev = looked at while building the forecaster; held out = only measured.',
      `Oracle (a bound, not a policy): at each tick, the hosts the peak demand of the next look-ahead needs; ${ORACLE_AT} s = boot + tick is the shortest look-ahead that leaves no demand unserved and the drain/reboot break-even.`,
      "Noise-blind bound: the expected demand is the scenario without its noise (seasonal), or the Azure sample's classical decomposition with an hourly season (centred 61-minute moving average + mean per minute of the hour, over the whole 8 h).",
      'Under-provisioned: demand above active hosts × 8. Over-provisioned: hosts held (active + booting + draining) above ceil(demand / 8).',
    ],
    { scale, runs, frontier, adaptive, reactive, buffered, oracle, blind, present, warm },
  );
}

main();
