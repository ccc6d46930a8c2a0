import { formatSummary, progressLine } from '../load/format.ts';
import { readColdRoutes, withGatewayColdRoutes } from '../load/gateway-cold.ts';
import { type LoadOptions, resolveLoadOptions } from '../load/options.ts';
import { type LoadEvent, syntheticPlan } from '../load/plan.ts';
import { executionRequest } from '../load/request.ts';
import { runLoad } from '../load/runner.ts';
import { tracePlan, traceRate } from '../load/trace.ts';
import { loadTrace } from '../load/trace-file.ts';
import { parseCommandArgs } from './args.ts';
import type { CliIO, Command } from './io.ts';

const HELP = `Usage: fleetgate load [options]

Sends function executions through a gateway at a fixed rate (open loop) and prints a summary:
requests, errors, p50/p95/p99 latency and cold routes per host. A progress bar is shown on a terminal.

Options:
  --gateway URL        Gateway base URL (env FLEETGATE_GATEWAY_URL; default http://127.0.0.1:8080)
  --secret S           Gateway secret (env FLEETGATE_GATEWAY_SECRET or OPR_PROXY_SECRET)
  --rps N              Requests per second (default 20); with --trace, the mean replay rate
  --runtimes K         Distinct runtime ids (default 20)
  --zipf S             Zipf exponent of runtime popularity, 0 = uniform (default 1)
  --duration D         Length of the run, e.g. 30s, 2m (default 30s)
  --exec-time D        Each execution works this long (e.g. 200ms), so requests stay in flight
                       like real functions do; the default function and simulated executors obey it
  --seed N             Random seed; the same seed sends the same requests (default 1)
  --prefix P           Runtime ids are P-0 … P-(K-1) (default load)
  --trace PATH         Replay an Azure Functions 2019 trace sample (folder or invocations.csv)
  --speedup X          Trace minutes per wall minute (default 60: one trace minute per second)
  --trace-start M      First trace minute to replay (default 1)
  --scale F            Multiply trace counts by F (instead of --rps)
  --duration-scale F   Multiply drawn execution times by F (default 1)
  --max-exec D         Cap on one drawn execution time (default 10s)
  --timeout D          Per-request timeout (default 30s)
  --max-in-flight N    Skip (and count) requests due while N are outstanding (default 1000)
  --connections N      Keep-alive connections to the gateway (default 256)
  --function DIR       Function folder the executor runs (default: load/function, which works for
                       --exec-time; the executor must be allowed to read it)
  --entrypoint FILE    Module inside the function folder (default index.mjs)
  --image IMAGE        Runtime image (default openruntimes/node:v5-22)
  --metrics-token T    Token for the gateway's /metrics, to read its cold-route counter
                       (env FLEETGATE_METRICS_TOKEN); without /metrics, cold routes are inferred
  --json               Print the summary as JSON on stdout
  -h, --help           Show this help

Exit status: 0 when the run finished and at least one request succeeded, 1 otherwise, 2 on bad usage.
Ctrl-C stops sending, waits for the requests in flight and prints the summary (twice: abandons them).
`;

const OPTIONS = {
  gateway: { type: 'string' },
  secret: { type: 'string' },
  rps: { type: 'string' },
  runtimes: { type: 'string' },
  zipf: { type: 'string' },
  duration: { type: 'string' },
  'exec-time': { type: 'string' },
  seed: { type: 'string' },
  prefix: { type: 'string' },
  trace: { type: 'string' },
  speedup: { type: 'string' },
  'trace-start': { type: 'string' },
  scale: { type: 'string' },
  'duration-scale': { type: 'string' },
  'max-exec': { type: 'string' },
  timeout: { type: 'string' },
  'max-in-flight': { type: 'string' },
  connections: { type: 'string' },
  function: { type: 'string' },
  entrypoint: { type: 'string' },
  image: { type: 'string' },
  'metrics-token': { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function plan(options: LoadOptions): Promise<{ events: Iterable<LoadEvent>; description: string }> {
  if (!options.trace) {
    return {
      events: syntheticPlan(options),
      description: `${options.rps} req/s for ${options.durationMs / 1000} s over ${options.runtimes} runtimes (zipf ${options.zipf})${options.execTimeMs ? `, ${options.execTimeMs} ms per execution` : ''}`,
    };
  }
  const t = options.trace;
  const trace = await loadTrace(t.path);
  const minutes = Math.ceil((options.durationMs / 60_000) * t.speedup);
  const rate = traceRate(trace, t.startMinute, minutes, t.speedup);
  const scale = t.scale ?? (rate > 0 ? options.rps / rate : 0);
  return {
    events: tracePlan(trace, { ...t, scale, durationMs: options.durationMs, seed: options.seed }),
    description: `trace ${t.path}: ${trace.functions.length} functions, minutes ${t.startMinute}–${t.startMinute + minutes - 1} at ${t.speedup}× speed, counts × ${scale.toPrecision(3)} (≈ ${(rate * scale).toFixed(1)} req/s)`,
  };
}

/** `fleetgate load`: the load generator for people (and the library under it for benchmarks). */
export const loadCommand: Command = {
  summary: 'Send executions through a gateway at a fixed rate and print latency and cold routes',
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, OPTIONS, false);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const options = resolveLoadOptions(values, io.env);
    const { events, description } = await plan(options);
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
    if (!options.json) io.stderr.write(`fleetgate load: ${description} → ${options.gateway}\n`);

    // The gateway counts cold routes itself; read its counter around the run when /metrics is open.
    const coldBefore = await readColdRoutes(options.gateway, options.metricsToken);
    // First Ctrl-C: stop sending and wait for what is in flight; second: abandon it too.
    const stop = new AbortController();
    const abandon = new AbortController();
    const onSignal = () => (stop.signal.aborted ? abandon.abort() : stop.abort());
    process.on('SIGINT', onSignal);
    try {
      const measured = await runLoad({
        target: options.gateway,
        plan: events,
        durationMs: options.durationMs,
        request: executionRequest({
          secret: options.secret,
          image: options.image,
          source: options.source,
          entrypoint: options.entrypoint,
          timeoutSeconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
        }),
        timeoutMs: options.timeoutMs,
        maxInFlight: options.maxInFlight,
        connections: options.connections,
        signal: stop.signal,
        abandon: abandon.signal,
        ...(tty ? { onProgress: (p) => io.stderr.write(`\r\x1b[2K${progressLine(p)}`) } : {}),
      });
      if (tty) io.stderr.write('\r\x1b[2K');
      const coldAfter = coldBefore && (await readColdRoutes(options.gateway, options.metricsToken));
      const summary =
        coldBefore && coldAfter ? withGatewayColdRoutes(measured, coldBefore, coldAfter) : measured;
      if (options.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else io.stdout.write(formatSummary(summary));
      if (summary.ok === 0) {
        io.stderr.write(
          `fleetgate load: no request succeeded${summary.errors > 0 ? ` (${Object.keys(summary.errorsByKind).join(', ')})` : ''}\n`,
        );
        return 1;
      }
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};
