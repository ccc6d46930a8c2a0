import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/free-port.ts';
import { type ManagedProcess, startProcess } from '../support/processes.ts';

/** The repository's CLI entry point. */
export const FLEETGATE_BIN = fileURLToPath(new URL('../../bin/fleetgate.js', import.meta.url));

/** A `fleetgate scaler` child process and its HTTP address. */
export interface ScalerProcess {
  proc: ManagedProcess;
  url: string;
  /** From `/healthz`: whether it leads `pool` (undefined when it does not answer). */
  isLeader(pool: string): Promise<boolean | undefined>;
}

/**
 * Starts `fleetgate scaler --config FILE --port P …` on a free port and resolves once `/healthz`
 * answers. Stop it with `proc.stop()` (SIGTERM) or `proc.kill()` (SIGKILL).
 */
export async function startScaler(
  configFile: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ScalerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const healthz = () => fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  const proc = await startProcess({
    name: 'fleetgate scaler',
    command: process.execPath,
    args: [
      FLEETGATE_BIN,
      'scaler',
      '--config',
      configFile,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      ...args,
    ],
    env: { ...process.env, ...env },
    ready: async () => (await healthz())?.status === 200,
    readyTimeoutMs: 30_000,
    pollMs: 50,
  });
  return {
    proc,
    url,
    async isLeader(pool) {
      const res = await healthz();
      if (!res?.ok) return undefined;
      const body = (await res.json()) as { pools: Record<string, { leader: boolean }> };
      return body.pools[pool]?.leader;
    },
  };
}
