import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDuration } from '../config/duration.ts';
import { UsageError } from '../lib/errors.ts';
import { PolicyError, parsePolicies } from '../scaler/policy/parse.ts';
import { printPolicies } from '../scaler/policy/print.ts';
import type { Policy } from '../scaler/policy/schema.ts';
import { textReport } from '../scaler/simulate/report.ts';
import { type SimulationInput, simulate, targetOf } from '../scaler/simulate/run.ts';
import { SCENARIOS, scenarioInput } from '../scaler/simulate/scenarios.ts';
import { azureDemand, type DemandSeries, demandOf, parseSeries } from '../scaler/simulate/series.ts';
import { renderSvg } from '../scaler/simulate/svg.ts';
import { parseCommandArgs } from './args.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate policy <check|simulate|explain> ...

  fleetgate policy check FILE...
      Validates scaling policy files (one policy, a \`pools:\` list, or several YAML documents
      separated by ---) and prints every policy with all defaults filled in, as YAML.
      Exit 1 with each error's file:line, field path and value when a file is invalid.

  fleetgate policy simulate POLICY (--load SERIES | --scenario NAME) [options]
      Runs the real evaluation on a simulated clock against a demand series (in-flight requests
      over time) with a host boot delay, and prints the decisions that acted plus the figures:
      scale-up latency, under-provisioned seconds, over-provisioned host-seconds, scale events,
      direction reversals, executions cut off.

      --load SERIES    CSV (time,demand; time in seconds or like 90s) or JSON
                       ([{time, demand}] or [[time, demand]]), or a directory holding an Azure
                       trace sample (invocations.csv + durations.csv, e.g. traces/azure-a):
                       in flight = Σ invocations/min × average duration / 60 s, times --scale
      --scenario NAME  one of: ${Object.keys(SCENARIOS).join(', ')}, or dry-run
                       (step-up with the policy in dryRun mode: decisions, no registry writes)
      --dry-run        run the policy in dryRun mode (same decisions, nothing executed)
      --scale N        multiply an Azure trace's demand (default 10)
      --initial N      hosts active at the start (default: what the first demand needs)
      --boot DURATION  host boot delay (default 45s, the slow-boot scenario 150s)
      --history DURATION
                       history the scaler finds at the start, for a policy with forecast.enabled
                       (the load repeated back in time, as a Prometheus range query would return;
                       the multi-day scenarios bring their own); the forecast column and the --svg
                       line show each tick's trusted forecast
      --pool NAME      which pool of a multi-pool file (default: the only one)
      --json           print the decision records and the figures as JSON
      --svg FILE       draw demand, capacity, hosts and the forecast over time into FILE

  fleetgate policy explain --pool P [...]
      Prints a running scaler's recent decision records (see fleetgate policy explain --help).
`;

async function check(files: string[], io: CliIO): Promise<number> {
  if (files.length === 0) throw new UsageError('policy check needs a FILE');
  let status = 0;
  for (const [i, file] of files.entries()) {
    try {
      const policies = parsePolicies(await readFile(file, 'utf8'), file);
      io.stdout.write(
        `${i > 0 ? '---\n' : ''}# ${file}: ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}\n`,
      );
      io.stdout.write(printPolicies(policies));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      status = 1;
      io.stderr.write(`fleetgate policy check: ${error.message}\n`);
    }
  }
  return status;
}

const SIMULATE_OPTIONS = {
  load: { type: 'string' },
  scenario: { type: 'string' },
  scale: { type: 'string' },
  initial: { type: 'string' },
  boot: { type: 'string' },
  history: { type: 'string' },
  pool: { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  svg: { type: 'string' },
} as const;

function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${text}"`);
  return n;
}

async function readSeries(path: string, scale: number): Promise<DemandSeries> {
  const invocations = await readFile(join(path, 'invocations.csv'), 'utf8').catch(() => undefined);
  if (invocations !== undefined) {
    return azureDemand(invocations, await readFile(join(path, 'durations.csv'), 'utf8'), scale);
  }
  return parseSeries(await readFile(path, 'utf8'), path);
}

function pickPolicy(policies: readonly Policy[], pool: string | undefined, file: string): Policy {
  if (pool !== undefined) {
    const found = policies.find((p) => p.pool === pool);
    if (!found)
      throw new UsageError(
        `${file} has no pool "${pool}" (pools: ${policies.map((p) => p.pool).join(', ')})`,
      );
    return found;
  }
  if (policies.length > 1) throw new UsageError(`${file} holds several pools; pick one with --pool`);
  return policies[0]!;
}

async function simulateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, SIMULATE_OPTIONS);
  if (positionals.length !== 1) throw new UsageError('policy simulate needs exactly one POLICY file');
  if ((values.load === undefined) === (values.scenario === undefined)) {
    throw new UsageError('policy simulate needs one of --load SERIES or --scenario NAME');
  }
  const file = positionals[0]!;
  let policies: readonly Policy[];
  try {
    policies = parsePolicies(await readFile(file, 'utf8'), file);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    io.stderr.write(`fleetgate policy simulate: ${error.message}\n`);
    return 1;
  }
  const picked = pickPolicy(policies, values.pool, file);
  const dryRun = values['dry-run'] === true || values.scenario === 'dry-run';
  const policy: Policy = dryRun ? { ...picked, mode: 'dryRun' } : picked;
  const scenarioName = values.scenario === 'dry-run' ? 'step-up' : values.scenario;
  let bootMs: number | undefined;
  if (values.boot !== undefined) {
    const parsed = parseDuration(values.boot);
    if (!parsed.ok) throw new UsageError(`--boot ${parsed.message}`);
    bootMs = parsed.value;
  }
  let input: SimulationInput;
  let title: string;
  if (scenarioName !== undefined) {
    const scenario = SCENARIOS[scenarioName];
    if (!scenario) {
      throw new UsageError(`unknown scenario "${values.scenario}" (${Object.keys(SCENARIOS).join(', ')})`);
    }
    input = scenarioInput(scenario, policy, bootMs);
    title = `scenario ${scenario.name}: ${scenario.description}`;
  } else {
    const series = await readSeries(values.load!, number(values.scale, 'scale') ?? 10);
    const demand = demandOf(series);
    const needed = Math.ceil(demand(0) / targetOf(policy));
    input = {
      policy,
      demand,
      durationMs: series.durationMs,
      initialHosts:
        number(values.initial, 'initial') ?? Math.min(policy.hosts.max, Math.max(policy.hosts.min, needed)),
    };
    if (bootMs !== undefined) input.bootMs = bootMs;
    title = `load ${values.load}`;
  }
  if (values.initial !== undefined) input.initialHosts = number(values.initial, 'initial')!;
  if (values.history !== undefined) {
    const parsed = parseDuration(values.history);
    if (!parsed.ok) throw new UsageError(`--history ${parsed.message}`);
    // Before t = 0 the load repeats itself backwards in time (a periodic continuation).
    const { demand, durationMs } = input;
    input.demand = (t) => demand(t >= 0 ? t : durationMs - 1000 + ((t + 1000) % durationMs));
    input.priorHistoryMs = parsed.value;
  }
  const result = simulate(input);
  title = `${title} — pool ${input.policy.pool}${dryRun ? ' (dryRun)' : ''}, boot ${(input.bootMs ?? 45_000) / 1000}s`;
  if (values.svg !== undefined)
    await writeFile(values.svg, renderSvg(result.samples, targetOf(input.policy), title));
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ title, figures: result.figures, records: result.records }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(textReport(title, result));
  }
  return 0;
}

/** `fleetgate policy check|simulate|explain`. */
export const policyCommand: Command = {
  summary: 'Check scaling policies (defaults filled in) and simulate them against demand series',
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help') {
      io.stdout.write(HELP);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'explain') {
      // The scaler's I/O side owns explain (it reads Redis or a scaler's HTTP port).
      const explain = await import('./policy-explain.ts');
      if (rest.includes('-h') || rest.includes('--help')) {
        io.stdout.write(explain.EXPLAIN_HELP);
        return 0;
      }
      return explain.policyExplain(rest, io);
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      io.stdout.write(HELP);
      return 0;
    }
    if (sub === 'check') {
      const { positionals } = parseCommandArgs(rest, {});
      return check(positionals, io);
    }
    if (sub === 'simulate') return simulateCommand(rest, io);
    throw new UsageError(`unknown policy subcommand "${sub}" (check, simulate, explain)`);
  },
};
