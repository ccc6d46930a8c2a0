/**
 * `npm run bench:scaler`: the simulator on every scenario of docs/scaling-policy.md and on the Azure
 * trace sample as demand, Fleetgate's default policy next to an HPA-like baseline. Pure computation
 * on a simulated clock: no process is started. Writes bench/results/scaler.json and scaler.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AZURE_TRACE_DIR } from '../../lib/traces.ts';
import type { Policy } from '../../scaler/policy/schema.ts';
import type { Figures } from '../../scaler/simulate/figures.ts';
import { type SimulationInput, simulate } from '../../scaler/simulate/run.ts';
import { SCENARIOS, scenarioInput } from '../../scaler/simulate/scenarios.ts';
import { azureDemand, demandOf } from '../../scaler/simulate/series.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';
import { fleetgatePolicy, hpaBaseline } from './policies.ts';

const POLICIES: [string, Policy][] = [
  ['Fleetgate default', fleetgatePolicy],
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

function azureInput(policy: Policy, scale: number, minutes: number): SimulationInput {
  const series = azureDemand(
    readFileSync(join(AZURE_TRACE_DIR, 'invocations.csv'), 'utf8'),
    readFileSync(join(AZURE_TRACE_DIR, 'durations.csv'), 'utf8'),
    scale,
  );
  const demand = demandOf(series);
  return {
    policy,
    demand,
    durationMs: Math.min(series.durationMs, minutes * 60_000),
    initialHosts: Math.ceil(demand(0) / 8),
  };
}

function main(): void {
  const args = parseBenchArgs(process.argv.slice(2));
  const scale = numberOption(args, 'scale', 10);
  // --quick replays the first 2 hours of the trace instead of all 8.
  const minutes = args.quick ? 120 : 480;
  const result = startResult('scaler', args.quick);
  const runs: { scenario: string; policy: string; figures: Figures }[] = [];
  const inputs: [string, (p: Policy) => SimulationInput][] = [
    ...Object.values(SCENARIOS).map((s): [string, (p: Policy) => SimulationInput] => [
      s.name,
      (p) => scenarioInput(s, p),
    ]),
    [`azure-a ×${scale}`, (p) => azureInput(p, scale, minutes)],
  ];
  for (const [scenario, make] of inputs) {
    for (const [name, policy] of POLICIES)
      runs.push({ scenario, policy: name, figures: simulate(make(policy)).figures });
  }
  const tables: ResultTable[] = POLICIES.map(([name]) => ({
    title: name,
    columns: ['scenario', ...COLUMNS.map(([, label]) => label)],
    rows: runs
      .filter((r) => r.policy === name)
      .map((r) => [r.scenario, ...COLUMNS.map(([k]) => r.figures[k])]),
  }));
  const side: ResultTable = {
    title:
      'Fleetgate ÷ HPA-like, by scenario (under-provisioned s, over-provisioned host·s, scale events, reversals)',
    columns: ['scenario', 'under-prov.', 'over-prov.', 'scale events', 'reversals', 'warm drained'],
    rows: inputs.map(([scenario]) => {
      const [a, b] = POLICIES.map(
        ([name]) => runs.find((r) => r.scenario === scenario && r.policy === name)!.figures,
      );
      const pair = (k: keyof Figures) => `${a![k] ?? '–'} vs ${b![k] ?? '–'}`;
      return [
        scenario,
        pair('underProvisionedS'),
        pair('overProvisionedHostS'),
        pair('scaleEvents'),
        pair('reversals'),
        pair('warmRuntimesDrained'),
      ];
    }),
  };
  result.finish(
    args.outDir,
    [...tables, side],
    [
      'Simulated clock, 1 s steps, one scaler tick per 15 s, host boot 45 s (slow-boot: 150 s), drained hosts finish their executions within 1 s.',
      'Both policies run through the same evaluate() and simulator; the baseline differs only in policy (see bench/scaler/policies.ts).',
      `Azure trace: in flight = Σ invocations/min × average duration / 60 s per minute, ×${scale}${args.quick ? ', first 2 h' : ', 8 h'}.`,
      'Under-provisioned: demand above active hosts × 8. Over-provisioned: hosts held (active + booting + draining) above ceil(demand / 8).',
    ],
    { scale, minutes, runs },
  );
}

main();
