import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/free-port.ts';
import type { Host } from '../../registry/types.ts';
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

/** The admin token every test scaler gets (FLEETGATE_ADMIN_TOKEN): its `/explain` requires it. */
export const SCALER_ADMIN_TOKEN = 'scaler-test-admin-token';
/** Headers for a test scaler's `/explain`. */
export const EXPLAIN_HEADERS = { authorization: `Bearer ${SCALER_ADMIN_TOKEN}` };

/**
 * Starts `fleetgate scaler --config FILE --port P …` on a free port and resolves once `/healthz`
 * answers. Stop it with `proc.stop()` (SIGTERM) or `proc.kill()` (SIGKILL).
 */
export async function startScaler(
  configFile: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  options: { stopTimeoutMs?: number } = {},
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
    env: { ...process.env, FLEETGATE_ADMIN_TOKEN: SCALER_ADMIN_TOKEN, ...env },
    ready: async () => (await healthz())?.status === 200,
    readyTimeoutMs: 30_000,
    pollMs: 50,
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
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

/** What a test scaler's two files hold: the policy's lines and the config's settings. */
export interface ScalerFiles {
  pool: string;
  redisUrl: string;
  /** The policy: its YAML text, or its lines. */
  policy: string | string[];
  /** `scaler.leaseTtl`, e.g. `15s`. */
  leaseTtl: string;
  logLevel?: 'warn' | 'info';
  /** More top-level config lines, e.g. `gateway: { executorSecret: … }`. */
  config?: string[];
  /** Prefix of the two file names (`<prefix>policy.yaml`, `<prefix>config.yaml`); default none. */
  prefix?: string;
}

/** Writes a test scaler's policy and config (pool, Redis registry, the policy, a lease) into `dir`; returns the config's path. */
export async function writeScalerFiles(dir: string, files: ScalerFiles): Promise<string> {
  const prefix = files.prefix ?? '';
  const policy = typeof files.policy === 'string' ? files.policy : [...files.policy, ''].join('\n');
  await writeFile(join(dir, `${prefix}policy.yaml`), policy);
  const config = join(dir, `${prefix}config.yaml`);
  await writeFile(
    config,
    [
      `pool: ${files.pool}`,
      `registry: { type: redis, url: ${JSON.stringify(files.redisUrl)} }`,
      `scaler: { policyFile: ${prefix}policy.yaml, leaseTtl: ${files.leaseTtl} }`,
      ...(files.config ?? []),
      `log: { level: ${files.logLevel ?? 'warn'} }`,
      '',
    ].join('\n'),
  );
  return config;
}

/** SIGKILLs the executor processes of registered hosts (the scaler leaves them running when it stops). */
export function stopExecutorsOf(hosts: Host[]): void {
  for (const h of hosts) {
    const pid = Number(h.labels.pid);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('executor')) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The stand-in executor of the scaler tests (answers `GET /v1/health` with `OK`). */
export const FAKE_EXECUTOR = fileURLToPath(new URL('./fixtures/fake-executor.mjs', import.meta.url));

/**
 * Starts `n` fake executors on free ports and resolves with them once each answers `/v1/health`;
 * stopped by pid (and killed if the test worker dies), like every other child of the tests.
 */
export async function startFakeExecutors(n: number): Promise<{ urls: string[]; stop(): Promise<void> }> {
  const procs: ManagedProcess[] = [];
  const urls: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      procs.push(
        await startProcess({
          name: 'fake executor',
          command: process.execPath,
          args: [FAKE_EXECUTOR, 'executor', '--port', String(port)],
          ready: async () =>
            (await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))
              ?.ok === true,
        }),
      );
      urls.push(url);
    }
  } catch (error) {
    await Promise.all(procs.map((p) => p.kill()));
    throw error;
  }
  return {
    urls,
    async stop() {
      await Promise.all(procs.map((p) => p.kill()));
    },
  };
}
