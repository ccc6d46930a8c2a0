import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../lib/free-port.ts';
import { TEST_EXECUTOR_SECRET } from '../../support/executors.ts';
import { type ManagedProcess, startProcess } from '../../support/processes.ts';

/** The gateway secret of the gateways these tests start. */
export const FAULT_GATEWAY_SECRET = 'reliability-gateway-secret-7f3a';
/** The repository's CLI entry point. */
const BIN = fileURLToPath(new URL('../../../bin/fleetgate.js', import.meta.url));

/** Options of a `fleetgate gateway` child process. */
export interface GatewayProcessOptions {
  /** Static executor addresses (`host:port` or URLs). */
  executors?: string[];
  /** A Redis URL: the gateway then watches the Redis registry of pool `default`. */
  redisUrl?: string;
  /** Redis Sentinel instead of `redisUrl`: the master group name and the Sentinel addresses. */
  sentinel?: { name: string; sentinels: string[] };
  /** PEM file to trust for `rediss://` (`registry.tlsCaFile`). */
  redisCaFile?: string;
  secret?: string;
  executorSecret?: string;
  metricsToken?: string;
  adminToken?: string;
  /** Upstream deadline (`gateway.maxTimeout`), default `30s`. */
  maxTimeout?: string;
  shutdownTimeout?: string;
  logLevel?: string;
  /** Wait for `/readyz` 200 (default) or only for `/healthz`. */
  waitReady?: boolean;
}

/** A running `fleetgate gateway` process. */
export interface GatewayProcess {
  url: string;
  port: number;
  pid: number;
  proc: ManagedProcess;
  /** Its stdout and stderr so far (last 16 KiB). */
  output(): string;
  /**
   * Every line it has written since it started that is not a JSON log line below pino's error level
   * (50): error and fatal lines, stack traces, anything else printed raw.
   */
  troubledLines(): string[];
  stop(): Promise<void>;
}

/**
 * Starts `fleetgate gateway --config FILE` on a free port with short health-check and reload periods
 * (so faults are noticed within a second or two) and resolves once it answers.
 */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-fault-gw-'));
  const port = await freePort();
  const config = join(dir, 'gateway.yaml');
  const lines = [
    'pool: default',
    'log:',
    `  level: ${options.logLevel ?? 'info'}`,
    'registry:',
    ...(options.redisUrl || options.sentinel
      ? [
          '  type: redis',
          ...(options.redisUrl ? [`  url: ${JSON.stringify(options.redisUrl)}`] : []),
          ...(options.sentinel ? [`  sentinel: ${JSON.stringify(options.sentinel)}`] : []),
          '  reloadInterval: 1s',
          ...(options.redisCaFile ? [`  tlsCaFile: ${JSON.stringify(options.redisCaFile)}`] : []),
        ]
      : ['  type: memory']),
    'gateway:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    `  secret: ${JSON.stringify(options.secret ?? FAULT_GATEWAY_SECRET)}`,
    `  executorSecret: ${JSON.stringify(options.executorSecret ?? TEST_EXECUTOR_SECRET)}`,
    `  executors: ${JSON.stringify(options.executors ?? [])}`,
    '  healthCheck:',
    '    interval: 500ms',
    '    timeout: 1s',
    '    ejectAfter: 2',
    '    probeBackoff:',
    '      min: 200ms',
    '      max: 1s',
    `  maxTimeout: ${options.maxTimeout ?? '30s'}`,
    `  shutdownTimeout: ${options.shutdownTimeout ?? '20s'}`,
    '  placement:',
    '    resyncInterval: 2s',
    ...(options.metricsToken ? [`  metricsToken: ${JSON.stringify(options.metricsToken)}`] : []),
    ...(options.adminToken ? [`  adminToken: ${JSON.stringify(options.adminToken)}`] : []),
    '',
  ];
  writeFileSync(config, lines.join('\n'));
  const url = `http://127.0.0.1:${port}`;
  const path = options.waitReady === false ? '/healthz' : '/readyz';
  // A clean environment: no OPR_PROXY_*/FLEETGATE_* from the developer's shell overrides the file.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  let proc: ManagedProcess;
  const troubled: string[] = [];
  try {
    proc = await startProcess({
      name: 'fleetgate gateway',
      command: process.execPath,
      args: [BIN, 'gateway', '--config', config],
      env,
      readyTimeoutMs: 30_000,
      pollMs: 50,
      stopTimeoutMs: 30_000,
      onLine: (line) => {
        if (isTroubled(line)) troubled.push(line);
      },
      ready: async () => {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    pid: proc.pid,
    proc,
    output: () => proc.output(),
    troubledLines: () => [...troubled],
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a line of a gateway's output is anything but a JSON log line below error level. */
export function isTroubled(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level !== 'number' || level >= 50;
  } catch {
    return true;
  }
}

/** Reads a gateway's `/v1/fleet` (with the gateway secret). */
export async function fleetOf(
  url: string,
  secret = FAULT_GATEWAY_SECRET,
): Promise<{ hosts: Array<{ id: string; state: string; healthy: boolean; inflight?: number }> }> {
  const res = await fetch(`${url}/v1/fleet`, {
    headers: { authorization: `Bearer ${secret}` },
    signal: AbortSignal.timeout(5000),
  });
  return (await res.json()) as { hosts: Array<{ id: string; state: string; healthy: boolean }> };
}
