import { fileURLToPath } from 'node:url';
import { parseDuration } from '../config/duration.ts';
import { UsageError } from '../lib/errors.ts';

/** The function the load generator executes unless told otherwise: it works for `--exec-time`. */
export const DEFAULT_FUNCTION = fileURLToPath(new URL('./function', import.meta.url));

/** A load run, resolved and validated from command-line values and the environment. */
export interface LoadOptions {
  gateway: string;
  secret: string | undefined;
  rps: number;
  runtimes: number;
  zipf: number;
  durationMs: number;
  /** Fixed execution time asked of every synthetic execution, ms (0: as fast as the function is). */
  execTimeMs: number;
  seed: number;
  prefix: string;
  timeoutMs: number;
  maxInFlight: number;
  connections: number;
  image: string;
  source: string;
  entrypoint: string;
  trace?: {
    path: string;
    speedup: number;
    startMinute: number;
    /** Counts multiplier; undefined means "derive it from --rps". */
    scale: number | undefined;
    durationScale: number;
    maxDurationMs: number;
  };
  /** Bearer token of the gateway's `/metrics`, when it has one. */
  metricsToken: string | undefined;
  json: boolean;
}

/** Raw values as `parseArgs` returns them. */
export type LoadValues = Partial<Record<string, string | boolean | undefined>>;

function text(values: LoadValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function num(
  values: LoadValues,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
) {
  const raw = text(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${name} must be ${rule}, got "${raw}"`);
  }
  return n;
}

function duration(values: LoadValues, name: string, fallback: string): number {
  const raw = text(values, name) ?? fallback;
  const parsed = parseDuration(raw);
  if (!parsed.ok) throw new UsageError(`--${name} ${parsed.message}`);
  if (parsed.value <= 0) throw new UsageError(`--${name} must be > 0, got "${raw}"`);
  return parsed.value;
}

function url(raw: string, name: string): string {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.origin;
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL like http://127.0.0.1:8080, got "${raw}"`);
  }
}

const positive = (n: number) => n > 0;
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const nonNegative = (n: number) => n >= 0;

/**
 * Validates `fleetgate load` options. Environment: FLEETGATE_GATEWAY_URL, FLEETGATE_GATEWAY_SECRET
 * (or OPR_PROXY_SECRET, the open-runtimes/proxy name).
 */
export function resolveLoadOptions(values: LoadValues, env: NodeJS.ProcessEnv): LoadOptions {
  const options: LoadOptions = {
    gateway: url(text(values, 'gateway') ?? env.FLEETGATE_GATEWAY_URL ?? 'http://127.0.0.1:8080', 'gateway'),
    secret: text(values, 'secret') ?? env.FLEETGATE_GATEWAY_SECRET ?? env.OPR_PROXY_SECRET,
    rps: num(values, 'rps', 20, positive, 'a number > 0'),
    runtimes: num(values, 'runtimes', 20, positiveInt, 'a whole number ≥ 1'),
    zipf: num(values, 'zipf', 1, nonNegative, 'a number ≥ 0'),
    durationMs: duration(values, 'duration', '30s'),
    execTimeMs: text(values, 'exec-time') === undefined ? 0 : duration(values, 'exec-time', '0ms'),
    seed: num(values, 'seed', 1, (n) => Number.isInteger(n), 'a whole number'),
    prefix: text(values, 'prefix') ?? 'load',
    timeoutMs: duration(values, 'timeout', '30s'),
    maxInFlight: num(values, 'max-in-flight', 1000, positiveInt, 'a whole number ≥ 1'),
    connections: num(values, 'connections', 256, positiveInt, 'a whole number ≥ 1'),
    image: text(values, 'image') ?? 'openruntimes/node:v5-22',
    source: text(values, 'function') ?? DEFAULT_FUNCTION,
    entrypoint: text(values, 'entrypoint') ?? 'index.mjs',
    metricsToken: text(values, 'metrics-token') ?? env.FLEETGATE_METRICS_TOKEN,
    json: values.json === true,
  };
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(options.prefix)) {
    throw new UsageError(`--prefix must be 1–40 characters of [A-Za-z0-9._-], got "${options.prefix}"`);
  }
  const trace = text(values, 'trace');
  if (trace !== undefined) {
    options.trace = {
      path: trace,
      speedup: num(values, 'speedup', 60, positive, 'a number > 0'),
      startMinute: num(values, 'trace-start', 1, positiveInt, 'a whole number ≥ 1'),
      scale:
        text(values, 'scale') === undefined
          ? undefined
          : num(values, 'scale', 1, nonNegative, 'a number ≥ 0'),
      durationScale: num(values, 'duration-scale', 1, nonNegative, 'a number ≥ 0'),
      maxDurationMs: duration(values, 'max-exec', '10s'),
    };
    if (text(values, 'exec-time') !== undefined) {
      throw new UsageError(
        '--exec-time applies to synthetic runs: a trace replay draws execution times from its durations',
      );
    }
    if (options.trace.scale !== undefined && text(values, 'rps') !== undefined) {
      throw new UsageError('--scale and --rps both set the trace replay rate: give one of them');
    }
  }
  return options;
}
