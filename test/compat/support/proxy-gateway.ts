import { fileURLToPath } from 'node:url';
import { freePort } from '../../../lib/free-port.ts';
import { type ManagedProcess, startProcess } from '../../support/processes.ts';

/** The repository's CLI entry point. */
const BIN = fileURLToPath(new URL('../../../bin/fleetgate.js', import.meta.url));

/** A `fleetgate gateway` configured the way open-runtimes/proxy is: `OPR_PROXY_*` variables only. */
export interface ProxyGateway {
  url: string;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts `fleetgate gateway` with no configuration file and only the environment an
 * open-runtimes/proxy container gets (`PORT` plus the given `OPR_PROXY_*` variables), and waits for
 * `GET /v1/proxy/health` to answer 200.
 */
export async function startProxyGateway(env: Record<string, string>): Promise<ProxyGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: 'fleetgate gateway (OPR_PROXY_* only)',
    command: process.execPath,
    args: [BIN, 'gateway'],
    // A clean environment: nothing from the developer's shell.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), ...env },
    readyTimeoutMs: 30_000,
    pollMs: 50,
    ready: async () => {
      const res = await fetch(`${url}/v1/proxy/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    },
  });
  return {
    url,
    proc,
    stop: async () => {
      await proc.stop();
    },
  };
}
