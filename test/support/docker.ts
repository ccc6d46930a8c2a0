import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { type ContainerLimits, DockerClient } from '../../lib/docker/index.ts';
import {
  type EngineState,
  EngineUnavailable,
  isDockerd,
  readEngineState,
  startEngine,
  stopEngine,
} from './docker-engine.ts';
import { ensureTestImages } from './docker-images.ts';
import { isAlive } from './processes.ts';

export { RUNTIME_SERVER_IN_IMAGE, TEST_NODE_IMAGE, TEST_RUNTIME_IMAGE } from './docker-images.ts';

/** The label every container and network a test creates itself carries (the teardown removes them). */
export const TEST_LABEL = 'fleetgate.test';

/**
 * Limits for every test container: containers run outside the test's process group, so a runaway
 * one must not starve the 2-core machine the suites share.
 */
export const TEST_LIMITS: Required<ContainerLimits> = { memoryBytes: 256 * 1024 * 1024, cpus: 1, pids: 128 };

/** The engine a docker test file gets, or why there is none. */
export type TestDocker =
  | { available: true; socketPath: string; client: DockerClient }
  | { available: false; reason: string };

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** This run's id (the vitest main process, set by global-setup.ts); the worker's parent otherwise. */
export function testRunId(): string {
  return process.env.FLEETGATE_TEST_RUN ?? String(process.ppid);
}

/** Where this run's engine lives; short, because unix socket paths are limited to 107 bytes. */
export function engineRunDir(runId = testRunId()): string {
  return join(tmpdir(), `fleetgate-dockerd-${runId}`);
}

/** The data root kept between runs of this checkout (images stay built). */
export function dockerDataRoot(): string {
  return process.env.FLEETGATE_DOCKER_ROOT ?? join(REPO, '.tmp', 'docker-data');
}

let cached: Promise<TestDocker> | undefined;

/**
 * The run's Docker engine, started by the first docker test file of the run (one dockerd per run,
 * shared by every worker; global-setup.ts stops it at the end), with the test images built.
 * `FLEETGATE_TEST_DOCKER_SOCKET` set by the caller points the tests at an engine of one's own
 * instead. Sets `FLEETGATE_TEST_DOCKER_SOCKET` for processes the tests start.
 */
export function testDocker(): Promise<TestDocker> {
  cached ??= acquire();
  return cached;
}

async function acquire(): Promise<TestDocker> {
  const runDir = engineRunDir();
  const failed = join(`${runDir}.failed`);
  try {
    return { available: false, reason: readFileSync(failed, 'utf8') };
  } catch {
    // no earlier failure in this run
  }
  try {
    const socketPath = process.env.FLEETGATE_TEST_DOCKER_SOCKET ?? (await ensureEngine(runDir));
    const client = new DockerClient({ socketPath });
    await client.ping();
    process.env.FLEETGATE_TEST_DOCKER_SOCKET = socketPath;
    return { available: true, socketPath, client };
  } catch (error) {
    const reason =
      error instanceof EngineUnavailable ? error.message : `docker engine: ${(error as Error).message}`;
    writeFileSync(failed, reason);
    return { available: false, reason };
  }
}

/** Starts the run's engine and builds the images, once per run, under a lock between workers. */
async function ensureEngine(runDir: string): Promise<string> {
  const lock = `${runDir}.lock`;
  for (;;) {
    const ready = readEngineState(runDir);
    if (ready && isDockerd(ready.pid) && readyMarker(runDir)) return ready.socketPath;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // another worker is starting it: wait for its ready marker (or its failure file)
      try {
        throw new EngineUnavailable(readFileSync(`${runDir}.failed`, 'utf8'));
      } catch (error) {
        if (error instanceof EngineUnavailable) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    mkdirSync(runDir, { recursive: true });
    const state = await startOwnedEngine(runDir);
    const client = new DockerClient({ socketPath: state.socketPath });
    try {
      for (const line of await ensureTestImages(client, runDir)) console.log(`[docker] ${line}`);
    } finally {
      await client.close();
    }
    writeFileSync(join(runDir, 'ready'), '');
    return state.socketPath;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readyMarker(runDir: string): boolean {
  try {
    readFileSync(join(runDir, 'ready'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Two dockerds cannot share a data root: a live one of another run keeps it (this run then uses
 * an uncached one of its own), a dead run's engine is stopped and its data root taken over.
 */
async function startOwnedEngine(runDir: string): Promise<EngineState> {
  let dataRoot = dockerDataRoot();
  const ownerFile = `${dataRoot}.owner`;
  let owner: (EngineState & { runId: string }) | undefined;
  try {
    owner = JSON.parse(readFileSync(ownerFile, 'utf8'));
  } catch {
    // nobody holds it
  }
  if (owner && isDockerd(owner.pid)) {
    if (isAlive(Number(owner.runId))) {
      dataRoot = join(runDir, 'data');
      console.warn(
        `[docker] ${dockerDataRoot()} is in use by test run ${owner.runId}: using an uncached data root`,
      );
    } else {
      console.warn(`[docker] stopping dockerd ${owner.pid} left by test run ${owner.runId}`);
      await stopEngine(owner);
    }
  }
  const state = await startEngine({ runDir, dataRoot });
  if (dataRoot === dockerDataRoot()) {
    mkdirSync(dirname(ownerFile), { recursive: true });
    writeFileSync(ownerFile, JSON.stringify({ ...state, runId: testRunId() }));
  }
  return state;
}

/**
 * `describe` for tests that need the engine. Without one: in CI (`CI=true`) the suite fails with
 * the reason; elsewhere it is skipped after one loud line saying why.
 */
export function describeDocker(name: string, docker: TestDocker, body: (engine: DockerClient) => void): void {
  if (docker.available) {
    describe(name, () => body(docker.client));
    return;
  }
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => {
      it('has a Docker engine (CI=true: docker tests never skip)', () => {
        throw new Error(`No Docker engine: ${docker.reason}`);
      });
    });
    return;
  }
  console.warn(`[docker] NO DOCKER ENGINE, skipping "${name}": ${docker.reason}`);
  describe.skip(name, () => body(undefined as unknown as DockerClient));
}

/** Stops the run's engine if one was started (global teardown); returns what it did. */
export async function stopRunEngine(runId: string): Promise<string[]> {
  const runDir = engineRunDir(runId);
  const notes: string[] = [];
  try {
    notes.push(`NO DOCKER ENGINE this run: ${readFileSync(`${runDir}.failed`, 'utf8')}`);
  } catch {
    // it started, or nobody asked for it
  }
  rmSync(`${runDir}.failed`, { force: true });
  rmSync(`${runDir}.lock`, { recursive: true, force: true });
  const state = readEngineState(runDir);
  if (!state) {
    // An engine that failed to start leaves its folder (and its log) behind.
    rmSync(runDir, { recursive: true, force: true });
    return notes;
  }
  notes.push(...(await stopEngine(state)));
  const ownerFile = `${state.dataRoot}.owner`;
  try {
    if (JSON.parse(readFileSync(ownerFile, 'utf8')).runId === runId) rmSync(ownerFile, { force: true });
  } catch {
    // not ours
  }
  return notes;
}
