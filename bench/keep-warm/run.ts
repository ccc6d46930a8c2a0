// Keep-warm policies on the Azure Functions 2019 sample, simulated at its one-minute resolution:
// fixed keep-alives against the hybrid histogram policy (gateway/lifetime/policy.ts, the code the
// gateway runs). Writes bench/results/keep-warm.md and .json.
// Run: npm run bench:keep-warm
import { writeFileSync } from 'node:fs';
import type { LifetimeRules } from '../../gateway/lifetime/policy.ts';
import { DEFAULT_GATEWAY_OPTIONS } from '../../gateway/options.ts';
import { loadTrace } from '../../load/trace-file.ts';
import { type PolicyResult, type PolicyUnderTest, simulate } from './simulate.ts';
import { copiesNeeded, meanDuration, ROUTING_REPLAY } from './spill.ts';

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

// Tune on one part of the trace, check on another: the representativeness test (idle times needed,
// bin-count CV) and the fallback chosen on minutes 0–239 are checked on minutes 240–479 (histories
// start empty in each part), and on the first hour alone (what bench:routing-keep-warm replays).
const parts = [
  { name: 'tune: minutes 0–239', from: 0, to: 240 },
  { name: 'check: minutes 240–479', from: 240, to: 480 },
  { name: 'first hour (minutes 0–59)', from: 0, to: 60 },
];
const variants: PolicyUnderTest[] = [
  { kind: 'fixed', name: 'fixed 10 min', keepAliveMin: 10 },
  ...[3, 5, 10, 20].flatMap((n) =>
    [0, 1, 2].map(
      (cv): PolicyUnderTest => ({
        kind: 'hybrid',
        name: `hybrid, ${n} idle times, CV ≥ ${cv}`,
        rules: { ...defaults, minSamples: n, minCv: cv },
      }),
    ),
  ),
  {
    kind: 'hybrid',
    name: 'hybrid defaults + forecast',
    rules: { ...defaults, forecast: { ...k.forecast, enabled: true } },
  },
  {
    kind: 'hybrid',
    name: 'hybrid, 5 idle times, CV ≥ 1 + forecast',
    rules: { ...defaults, minSamples: 5, minCv: 1, forecast: { ...k.forecast, enabled: true } },
  },
];
const split = parts.map((part) => {
  const fns = trace.functions.map((f) => ({ perMinute: f.perMinute.slice(part.from, part.to) }));
  const out = variants.map((p) => simulate(fns, p));
  return { part: part.name, results: out, base: out[0]! };
});

// Overflow copies: each minute's copies of a runtime under the routing benchmark's bounded loads
// (spill.ts), its calls spread over the minute; the copies past the first are kept as each policy
// keeps them. Tuned on the first two trace hours (what bench:routing-keep-warm replays), checked on
// minutes 240–479.
const MIN = 60_000;
const fleetPolicies: PolicyUnderTest[] = [
  ...[5, 10, 20].map((m): PolicyUnderTest => ({ kind: 'fixed', name: `fixed ${m} min`, keepAliveMin: m })),
  ...[1, 10, 240].map(
    (m): PolicyUnderTest => ({
      kind: 'hybrid',
      name: `hybrid, surplus copies idle ${m === 240 ? '4 h (kept)' : `${m} min`}`,
      rules: defaults,
      surplus: { learn: false, idleMs: m * MIN },
    }),
  ),
  ...[1, 10].map(
    (m): PolicyUnderTest => ({
      kind: 'hybrid',
      name: `hybrid, surplus learned (p${defaults.tailPercentile} of overflow gaps, fallback ${m} min)`,
      rules: defaults,
      surplus: { learn: true, idleMs: m * MIN },
    }),
  ),
];
const fleetParts = [
  { name: 'tune: minutes 1–120', from: 1, to: 121 },
  { name: 'check: minutes 240–479', from: 240, to: 480 },
];
const fleet = fleetParts.map((part) => {
  const fns = trace.functions.map((f) => ({
    id: f.id,
    perMinute: f.perMinute.slice(part.from, part.to),
    meanMs: meanDuration(trace.durations.get(f.id), ROUTING_REPLAY),
  }));
  const copies = copiesNeeded(fns, ROUTING_REPLAY);
  const withCopies = fns.map((f, i) => ({ perMinute: f.perMinute, copies: copies[i]! }));
  // The same with \`gateway.warmSlots: 8\` (the simulated executors' per-runtime concurrency).
  const slotted = copiesNeeded(fns, { ...ROUTING_REPLAY, warmSlots: 8 });
  const withSlots = fns.map((f, i) => ({ perMinute: f.perMinute, copies: slotted[i]! }));
  const out = [
    ...fleetPolicies.map((p) => simulate(withCopies, p, { spread: true })),
    ...fleetPolicies.map((p) =>
      simulate(withSlots, { ...p, name: `${p.name}, warm slots 8` }, { spread: true }),
    ),
  ];
  const overflowMinutes = copies.flat().filter((c) => c >= 2).length;
  return {
    part: part.name,
    overflowMinutes,
    results: out,
    base: out.find((r) => r.name === 'fixed 10 min')!,
  };
});
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
warm. No executors, no network: this measures the policy, not the gateway (\`bench:routing-keep-warm\` does).

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

## Representativeness and fallback, tuned on one part and checked on another

Each part is simulated on its own (every history starts empty at its first minute). "idle times":
\`minSamples\`; "CV": \`minCv\` (the bin-count coefficient of variation below which a histogram is
too flat to predict); the fallback is the default 10-minute keep-alive. Cells: % delayed · warm
runtime·min ÷ the fixed 10-minute keep-alive's in the same part. The CV test decides nothing on this
trace: n idle times over 240 bins have a bin-count CV of at least √((240 − n) ÷ n), which is ≥ 2 up
to n = 48, so only a function with many idle times spread over many bins could fail it. Fewer idle
times needed cost fewer cold starts and less memory in every part (3 < 5 < 10 < 20): the default
\`minSamples\` is 3.

| policy | ${split.map((p) => p.part).join(' | ')} |
| --- | ${split.map(() => '---:').join(' | ')} |
${variants
  .map(
    (v, i) =>
      `| ${v.name} | ${split
        .map((p) => {
          const r = p.results[i]!;
          return `${pct(r.coldStarts / r.invocations)} · ${(r.warmMinutes / p.base.warmMinutes).toFixed(2)}`;
        })
        .join(' | ')} |`,
  )
  .join('\n')}

## Overflow copies (fleet model)

A runtime spills to another host when its owner is at the bounded-load cap (\`bench/keep-warm/spill.ts\`:
${ROUTING_REPLAY.hosts} hosts, c = ${ROUTING_REPLAY.loadFactor}, floor ${ROUTING_REPLAY.loadFloor}, the trace's counts × ${ROUTING_REPLAY.countScale} and execution
times × ${ROUTING_REPLAY.durationScale} as bench:routing-keep-warm replays them, one trace minute per ${ROUTING_REPLAY.minuteMs} ms; a host is at
its cap with the Poisson probability that its runtimes' in-flight count reaches it, and a runtime
whose expected spilled calls in a minute reach ${ROUTING_REPLAY.spillCalls} gets a second copy, ⌈peak ÷ cap⌉ when its own peak in-flight
exceeds the cap). A minute's calls are spread over it (k ÷ (n + 1) of the minute), so a runtime called
every minute has sub-minute idle times. A fixed keep-alive keeps every copy that long after its last
call; the hybrid policy trims copies past the first after its surplus rule, and deletes them all
when its plan stops wanting the runtime. Cells: cold starts of the first copy + overflow copies
created cold (per cent of the part's invocations) · warm runtime·min ÷ the fixed 10-minute keep-alive's
(overflow copies' share). Rows ending "warm slots 8": the same with \`gateway.warmSlots: 8\` (a runtime
stays on its warm host at the cap while it has a free slot there: only its own peak past 8 spills).

| policy | ${fleet.map((p) => `${p.part} (${p.overflowMinutes} runtime·minutes with ≥ 2 copies)`).join(' | ')} |
| --- | ${fleet.map(() => '---:').join(' | ')} |
${fleet[0]!.results
  .map(
    (first, i) =>
      `| ${first.name} | ${fleet
        .map((p) => {
          const r = p.results[i]!;
          return `${r.coldStarts} + ${r.overflowColdStarts} (${pct((r.coldStarts + r.overflowColdStarts) / r.invocations)}) · ${(r.warmMinutes / p.base.warmMinutes).toFixed(2)} (${(r.overflowMinutes / p.base.warmMinutes).toFixed(2)})`;
        })
        .join(' | ')} |`,
  )
  .join('\n')}
`;
writeFileSync('bench/results/keep-warm.md', md);
writeFileSync(
  'bench/results/keep-warm.json',
  `${JSON.stringify({ when, trace: TRACE, results, split, fleet: { model: ROUTING_REPLAY, parts: fleet } }, null, 2)}\n`,
);
process.stdout.write(md);
