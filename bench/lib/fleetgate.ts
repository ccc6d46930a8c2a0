import { existsSync, mkdirSync } from 'node:fs';
import { startProcess, type Tracked, waitForPort } from './procs.ts';

/** How the benchmark wants one Fleetgate gateway process configured. */
export interface FleetgateGatewaySpec {
  port: number;
  secret: string;
  executorSecret: string;
  /** Static executors (`host:port`), the `OPR_PROXY_EXECUTORS` pool. */
  executors: string[];
  logLevel?: string;
  /** Checkout to run `bin/fleetgate.js` from (another commit, for before/after runs); default: this one. */
  checkout?: string;
  /**
   * Run the checkout's compiled `dist/cli/entry.js` (what the image and the npm package run, built by
   * `npm run build`) instead of its TypeScript sources through tsx.
   */
  compiled?: boolean;
}

/** Why the Fleetgate gateway cannot be benchmarked yet, or undefined when it can. */
export function fleetgateAvailable(): string | undefined {
  if (!existsSync('cli/gateway-command.ts')) return 'gateway CLI (cli/gateway-command.ts) not built yet';
  return undefined;
}

/**
 * Starts `fleetgate gateway` as its own process (one Node process: bin/fleetgate.js loads tsx in
 * process), configured the drop-in way through the `OPR_PROXY_*` environment.
 */
export async function startFleetgateGateway(
  dir: string,
  spec: FleetgateGatewaySpec,
  cpus: string | undefined,
): Promise<Tracked> {
  mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    PORT: String(spec.port),
    OPR_PROXY_EXECUTORS: spec.executors.join(','),
    OPR_PROXY_SECRET: spec.secret,
    OPR_PROXY_EXECUTOR_SECRET: spec.executorSecret,
    FLEETGATE_LOG_LEVEL: spec.logLevel ?? 'warn',
  };
  const entry = spec.compiled ? 'dist/cli/entry.js' : 'bin/fleetgate.js';
  const proc = startProcess('fleetgate-gateway', process.execPath, [entry, 'gateway'], {
    cpus,
    env,
    cwd: spec.checkout,
  });
  await waitForPort(spec.port, 30_000, proc);
  return proc;
}
