import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { DockerClient } from '../../lib/docker/index.ts';
import { describeDocker, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import { type EngineState, startEngine, stopEngine } from '../support/docker-engine.ts';
import { ensureTestImages } from '../support/docker-images.ts';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  startInProcessExecutor,
} from '../support/executors.ts';
import { waitFor } from '../support/wait.ts';

// Faults of docker mode on real engines: a runtime OOM-killed mid-execution, a missing image, an
// engine that is not there at start, and an engine that goes down and comes back.
const docker = await testDocker();
const HOG = { image: TEST_RUNTIME_IMAGE, source: 'test/faults/functions', entrypoint: 'memory-hog.mjs' };
const HELLO = { image: TEST_RUNTIME_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };

describeDocker('docker mode faults', docker, (engine) => {
  const owner = `faults-${process.pid}`;
  const mine = () => engine.containers.list({ 'fleetgate.executor': owner });
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(ex.url, ex.secret, method, path, body);

  beforeAll(async () => {
    ex = await startInProcessExecutor({
      mode: 'docker',
      docker: { socket: docker.available ? docker.socketPath : '', owner },
    });
  });
  afterAll(async () => {
    await ex?.close();
    expect(await mine()).toEqual([]);
  });

  it('a runtime OOM-killed mid-execution: a clear 500, its container gone, the executor serving on', async () => {
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'hog', ...HOG, memory: 96 })).status).toBe(201);
    expect((await call('POST', '/v1/runtimes/hog/executions', { path: '/' })).json.body).toBe('ok');
    const res = await call('POST', '/v1/runtimes/hog/executions', { path: '/?hog=1', timeout: 60 });
    expect(res.status).toBe(500);
    expect(res.json.type).toBe('runtime_failed');
    expect(res.json.message).toMatch(/out of memory \(limit 96 MB\)/);
    // The dead runtime is dropped once its container is removed (the engine reports the exit a
    // moment after the connection broke); a new one serves.
    await waitFor(
      'the dead runtime to go',
      async () => (await call('GET', '/v1/runtimes/hog')).status === 404,
      15_000,
    );
    expect(await mine()).toEqual([]);
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'after', ...HELLO })).status).toBe(201);
    expect((await call('POST', '/v1/runtimes/after/executions', { path: '/' })).status).toBe(200);
    await call('DELETE', '/v1/runtimes/after');
  });

  it('an image that does not exist: 400 naming it, nothing created', async () => {
    const res = await call('POST', '/v1/runtimes', {
      runtimeId: 'ghost',
      ...HELLO,
      image: 'openruntimes/node:v5-nope',
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain(
      '"openruntimes/node:v5-nope" is not in the Docker engine\'s image store',
    );
    expect(await mine()).toEqual([]);
  });

  it('no engine at start: the executor refuses to start, naming the socket', async () => {
    const socket = join(tmpdir(), `no-engine-${process.pid}.sock`);
    const error = await startInProcessExecutor({
      mode: 'docker',
      docker: { socket, owner: `${owner}-none` },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(`cannot reach the Docker engine at ${socket}`);
  });
});

describeDocker('docker mode: the engine goes down and comes back', docker, () => {
  let engine: EngineState;
  let client: DockerClient;
  let ex: RunningExecutor & { secret: string };
  const runDir = mkdtempSync(join(tmpdir(), 'fg-eng-'));
  const dirs = { runDir, dataRoot: join(runDir, 'data') };
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(ex.url, ex.secret, method, path, body);

  beforeAll(async () => {
    // A second, private engine: stopping the run's shared one would break the other suites.
    engine = await startEngine(dirs);
    client = new DockerClient({ socketPath: engine.socketPath });
    await ensureTestImages(client, runDir);
    ex = await startInProcessExecutor({
      mode: 'docker',
      docker: { socket: engine.socketPath, owner: 'restart' },
    });
  }, 120_000);
  afterAll(async () => {
    await ex?.close();
    await client?.close();
    if (engine) await stopEngine(engine);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('answers 503 naming the engine while it is down, and serves again once it is back', async () => {
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'r1', ...HELLO })).status).toBe(201);
    await stopEngine({ ...engine, runDir: join(runDir, 'keep') });
    const down = await call('POST', '/v1/runtimes', { runtimeId: 'r2', ...HELLO });
    expect(down.status).toBe(503);
    expect(down.json.message).toContain(`cannot reach the Docker engine at ${engine.socketPath}`);
    // The runtime of the stopped engine is gone: its container died with the engine.
    const gone = await call('POST', '/v1/runtimes/r1/executions', { path: '/' });
    expect([404, 500, 503]).toContain(gone.status);
    expect((await call('GET', '/v1/health')).status).toBe(200);

    engine = await startEngine(dirs);
    const back = await call('POST', '/v1/runtimes', { runtimeId: 'r3', ...HELLO });
    expect(back.status, back.text).toBe(201);
    expect((await call('POST', '/v1/runtimes/r3/executions', { path: '/' })).status).toBe(200);
  }, 120_000);
});
