// Keep-warm policies on the Azure Functions 2019 sample, simulated at its one-minute resolution:
// fixed keep-alives against the hybrid histogram policy (gateway/lifetime/policy.ts, the code the
// gateway runs). Writes bench/results/keep-warm.md and .json.
// Run: npm run bench:keep-warm
import { writeFileSync } from 'node:fs';
import type { LifetimeRules } from '../../gateway/lifetime/policy.ts';
import { DEFAULT_GATEWAY_OPTIONS } from '../../gateway/options.ts';
import { loadTrace } from '../../load/trace-file.ts';
import { type PolicyResult, type PolicyUnderTest, simulate } from './simulate.ts';

const TRACE = 'traces/azure-a';
const k = DEFAULT_GATEWAY_OPTIONS.keepWarm;
const defaults: LifetimeRules = { ...k, binMs: k.binWidth };

const policies: PolicyUnderTest[] = [
  ...[1, 5, 10, 20, 30, 60, 120].map(
    (m): PolicyUnderTest => ({ kind: 'fixed', name: `fixed ${m} min`, keepAliveMin: m }),
  ),
  ...[5, 10, 20, 60].map(
    (m): PolicyUnderTest => ({
      kind: 'hybrid',
      name: `hybrid histogram (defaults, fallback ${m} min)`,
      rules: { ...defaults, fixedKeepAlive: m * 60_000 },
    }),
  ),
  {
    kind: 'hybrid',
    name: 'hybrid histogram (fallback 10 min, head p1, tail p99.5, margin 0.2)',
    rules: { ...defaults, headPercentile: 1, tailPercentile: 99.5, margin: 0.2 },
  },
  // The forecast for rare runtimes (gateway/lifetime/forecast.ts) before the fixed fallback.
  ...[10, 30].map(
    (w): PolicyUnderTest => ({
      kind: 'hybrid',
      name: `hybrid histogram + forecast (defaults, window ≤ ${w} min, fallback 10 min)`,
      rules: { ...defaults, forecast: { ...k.forecast, enabled: true, maxWindow: w * 60_000 } },
    }),
  ),
];

const trace = await loadTrace(TRACE);
const results: PolicyResult[] = policies.map((p) => simulate(trace.functions, p));
const base = results.find((r) => r.name === 'fixed 10 min')!;
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.coldStarts} | ${pct(r.coldStarts / r.invocations)} | ${Math.round(r.warmMinutes)} | ${(r.warmMinutes / base.warmMinutes).toFixed(2)} | ${r.prewarms} | ${r.prewarmsWasted} | ${r.functionsOver25} |`,
);
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
const md = `# Keep-warm policies on the Azure sample (simulated)

Command: \`npm run bench:keep-warm\` (${when} UTC). Trace: \`${TRACE}\` (${trace.functions.length} functions,
${trace.minutes} minutes, ${results[0]!.invocations} invocations), replayed at its one-minute resolution
through the policy code the gateway runs (\`gateway/lifetime/policy.ts\`), as Shahrad et al. (ATC 2020)
evaluate theirs: the invocations of a minute arrive at its start, the first may be cold, the rest are
warm. No executors, no network: this measures the policy, not the gateway (no bench:routing rows yet).

Cold starts are invocations that found their runtime cold; "% delayed" divides by all invocations.
Warm runtime·minutes is the memory (runtimes kept warm, summed over time, execution time excluded);
"vs fixed 10" is the ratio to the fixed 10-minute keep-alive. A pre-warm is wasted when no call comes
while it is warm. Functions > 25 %: functions with more than a quarter of their calls cold.

Read with care: the hybrid policy saves memory mostly by unloading a runtime right after its call and
pre-warming it shortly before the next one is due (the paper's design), which costs one create per
pre-warm: the "pre-warms" column is that churn. The trace's real time scale is kept here, unlike
\`bench:routing\`, which compresses it and spreads runtimes over hosts: its cold-start shares are not
comparable with these.

| policy | cold starts | % delayed | warm runtime·min | vs fixed 10 | pre-warms | wasted | functions > 25 % |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
writeFileSync('bench/results/keep-warm.md', md);
writeFileSync(
  'bench/results/keep-warm.json',
  `${JSON.stringify({ when, trace: TRACE, results }, null, 2)}\n`,
);
process.stdout.write(md);
