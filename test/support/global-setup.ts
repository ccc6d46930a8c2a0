/**
 * Vitest global setup: runs once per test run. Later issues start shared processes here
 * (Prometheus); per-suite processes (Redis, executors) are started by the suites themselves.
 */
export async function setup(): Promise<void> {}

export async function teardown(): Promise<void> {}
