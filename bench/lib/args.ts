/** Command-line options shared by every benchmark script. */
export interface BenchArgs {
  /** Short smoke run (< 1 minute): fewer rounds, shorter durations. */
  quick: boolean;
  /** Folder for `<name>.json` and `<name>.md` (default `bench/results`). */
  outDir: string;
  /** Pin proxies to one core and load generators/backends to the other (`taskset`). */
  pin: boolean;
  /** Extra `--key value` / `--flag` options, by key. */
  extra: Map<string, string>;
}

/** Parses `--quick`, `--out DIR`, `--no-pin` and any other `--key value` / `--flag`. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const extra = new Map<string, string>();
  let quick = false;
  let outDir = 'bench/results';
  let pin = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (options start with --)`);
    const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    const takesNext = inline === undefined && next !== undefined && !next.startsWith('--');
    const value = inline ?? (takesNext ? next : 'true');
    if (takesNext) i++;
    if (key === 'quick') quick = value !== 'false';
    else if (key === 'out') outDir = value;
    else if (key === 'no-pin') pin = false;
    else if (key === 'pin') pin = value !== 'false';
    else extra.set(key, value);
  }
  return { quick, outDir, pin, extra };
}

/** A numeric option from `extra`, or `fallback`; throws naming the option when it is not a number. */
export function numberOption(args: BenchArgs, key: string, fallback: number): number {
  const raw = args.extra.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${key}: expected a number, got "${raw}"`);
  return value;
}
