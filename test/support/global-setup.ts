import { stopRunEngine } from './docker.ts';

/**
 * Vitest global setup: runs once per test run, in the main process. It names the run (workers
 * inherit the variable), so the docker test files share one dockerd, started by the first of
 * them (test/support/docker.ts) and stopped here at the end. Other per-suite processes (Redis,
 * Prometheus, executors) are started by the suites themselves.
 */
export async function setup(): Promise<void> {
  process.env.FLEETGATE_TEST_RUN = String(process.pid);
}

export async function teardown(): Promise<void> {
  for (const note of await stopRunEngine(String(process.pid))) console.log(`[docker] ${note}`);
}
