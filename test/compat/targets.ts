import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../faults/support/gateway-process.ts';
import { type StartExecutorsOptions, startExecutors } from '../support/executors.ts';
import { CompatClient } from './client.ts';

/** What the compatibility suite runs against. */
export type CompatTargetKind = 'executor' | 'gateway';

/**
 * Every target: `fleetgate executor` called directly, and `fleetgate gateway` (a real process) in
 * front of two `fleetgate executor` hosts, called as Appwrite calls open-runtimes/proxy.
 */
export const COMPAT_TARGETS: CompatTargetKind[] = ['executor', 'gateway'];

/** The real suite's executor key (tests/e2e/ExecutorTest.php) and a proxy key for the gateway. */
const EXECUTOR_KEY = 'executor-secret-key';
const PROXY_KEY = 'proxy-secret-key';

/** A started target. */
export interface CompatTarget {
  kind: CompatTargetKind;
  /** A client with the target's key (or `key`), sending Appwrite's routing headers to the gateway. */
  client(key?: string): CompatClient;
  /**
   * The status of a runtime deletion: the executor's 200, or 204 from the gateway, which answers
   * Appwrite's `broadcast` deletion with an empty 204 as open-runtimes/proxy does.
   */
  deletedStatus: number;
  stop(): Promise<void>;
}

/** Starts `kind`: one executor, or a gateway process in front of two executors. */
export async function startCompatTarget(
  kind: CompatTargetKind,
  options: Omit<StartExecutorsOptions, 'secret'> = {},
): Promise<CompatTarget> {
  if (kind === 'executor') {
    const fleet = await startExecutors(1, { ...options, secret: EXECUTOR_KEY });
    const url = fleet.hosts[0]!.url;
    return {
      kind,
      client: (key = EXECUTOR_KEY) => new CompatClient(url, key),
      deletedStatus: 200,
      stop: () => fleet.stop(),
    };
  }
  // The two executors share one build-cache folder, as real executors share their build-cache storage.
  const cacheDir = mkdtempSync(join(tmpdir(), 'fleetgate-compat-cache-'));
  const fleet = await startExecutors(2, {
    idPrefix: 'compat',
    ...options,
    args: [...(options.args ?? []), '--build-cache-dir', cacheDir],
    secret: EXECUTOR_KEY,
  });
  try {
    const gateway = await startGatewayProcess({
      executors: fleet.hosts.map((h) => h.url),
      secret: PROXY_KEY,
      executorSecret: EXECUTOR_KEY,
      logLevel: 'warn',
    });
    return {
      kind,
      client: (key = PROXY_KEY) => new CompatClient(gateway.url, key, true),
      deletedStatus: 204,
      stop: async () => {
        await gateway.stop();
        await fleet.stop();
        rmSync(cacheDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}
