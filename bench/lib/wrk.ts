import { startProcess, type Tracked } from './procs.ts';

/** What one `wrk --latency` run reported. */
export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Parses wrk's text output (with `--latency`); throws naming what is missing. */
export function parseWrk(text: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(text);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  if (!total || !rps) throw new Error(`could not parse wrk output:\n${text.slice(0, 2000)}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((s, v) => s + Number(v), 0) : 0;
  return {
    requests: Number(total[1]),
    seconds: toMs(total[2]!, total[3]!) / 1000,
    requestsPerSecond: Number(rps[1]),
    p50Ms: pct('50'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    errors: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
  };
}

/** Options for one wrk run. */
export interface WrkOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  threads?: number;
  headers?: Record<string, string>;
  cpus?: string | undefined;
}

/** Runs `wrk -t1 -c<c> -d<d>s --latency` as a tracked child and parses its report. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads ?? 1}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--latency',
    '--timeout',
    '5s',
  ];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(options.url);
  const proc: Tracked = startProcess('wrk', 'wrk', args, { cpus: options.cpus });
  let out = '';
  proc.child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${proc.output()}`);
  return parseWrk(out);
}
