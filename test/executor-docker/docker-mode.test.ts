import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { describeDocker, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  startInProcessExecutor,
} from '../support/executors.ts';

// `executor.mode: docker` against the run's real dockerd: every runtime is a container made from
// the locally built runtime image (Fleetgate's Node runtime server on the host's Node).
const docker = await testDocker();
const FUNCTIONS = 'test/executor/fixtures/functions';
const HELLO = { image: TEST_RUNTIME_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };
const OWNER = `docker-mode-${process.pid}`;
const PREFIX = 'fleetgate.t1';

describeDocker('executor in docker mode', docker, (engine) => {
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(ex.url, ex.secret, method, path, body);
  const mine = () => engine.containers.list({ [`${PREFIX}.executor`]: OWNER });

  beforeAll(async () => {
    ex = await startInProcessExecutor({
      mode: 'docker',
      docker: {
        socket: docker.available ? docker.socketPath : '',
        owner: OWNER,
        labelPrefix: PREFIX,
        pidsLimit: 64,
      },
      maxRuntimes: 2,
      inactiveThresholdMs: 60_000,
    });
  });
  afterAll(async () => {
    await ex?.close();
    expect(await mine()).toEqual([]);
  });

  it('creates a runtime as a labelled, limited container and executes through it', async () => {
    const created = await call('POST', '/v1/runtimes', {
      runtimeId: 'hello',
      ...HELLO,
      cpus: 0.5,
      memory: 128,
    });
    expect(created.status, created.text).toBe(201);
    const res = await call('POST', '/v1/runtimes/hello/executions', { method: 'GET', path: '/?name=Docker' });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.json.body)).toMatchObject({ greeting: 'Hello, Docker!' });
    expect(res.json.logs).toContain('hello called for GET /');

    const [container, ...more] = await mine();
    expect(more).toEqual([]);
    expect(container?.labels).toMatchObject({
      [`${PREFIX}.executor`]: OWNER,
      [`${PREFIX}.runtime-id`]: 'hello',
      [`${PREFIX}.role`]: 'runtime',
    });
    expect(container?.image).toBe(TEST_RUNTIME_IMAGE);
    const limits = (await engine.containers.inspect(container?.id ?? '')).limits;
    expect(limits).toEqual({ memoryBytes: 128 * 1024 * 1024, cpus: 0.5, pids: 64 });
  });

  it('passes the Open Runtimes environment and the caller variables into the container', async () => {
    const created = await call('POST', '/v1/runtimes', {
      runtimeId: 'env',
      image: TEST_RUNTIME_IMAGE,
      source: FUNCTIONS,
      entrypoint: 'env.mjs',
      variables: { I13E_GREETING: 'from the create' },
    });
    expect(created.status, created.text).toBe(201);
    const res = await call('POST', '/v1/runtimes/env/executions', { method: 'GET', path: '/' });
    expect(res.status, res.text).toBe(200);
    const env = JSON.parse(res.json.body);
    expect(env).toMatchObject({ I13E_GREETING: 'from the create', OPEN_RUNTIMES_ENTRYPOINT: 'env.mjs' });
    // The executor's secret never reaches a runtime.
    expect(JSON.stringify(env)).not.toContain(ex.secret);
    await call('DELETE', '/v1/runtimes/env');
  });

  it('removes the container when the runtime is deleted', async () => {
    expect((await call('POST', '/v1/runtimes', { runtimeId: 'del', ...HELLO })).status).toBe(201);
    const id = (await mine()).find((c) => c.labels[`${PREFIX}.runtime-id`] === 'del')?.id;
    expect(id).toBeDefined();
    expect((await call('DELETE', '/v1/runtimes/del')).status).toBe(200);
    expect((await mine()).map((c) => c.id)).not.toContain(id);
  });

  it('evicts past maxRuntimes and reaps idle runtimes, removing their containers', async () => {
    for (const id of ['a', 'b', 'c']) {
      const created = await call('POST', '/v1/runtimes', { runtimeId: `cap-${id}`, ...HELLO });
      expect(created.status, created.text).toBe(201);
    }
    await ex.executor.sweep();
    const left = (await mine()).map((c) => c.labels[`${PREFIX}.runtime-id`]);
    expect(left.length).toBeLessThanOrEqual(2);
    expect((await call('GET', '/v1/runtimes')).json.length).toBe(left.length);
  });

  it('says which image is missing, with a 400 and no container left', async () => {
    const before = (await mine()).length;
    const res = await call('POST', '/v1/runtimes', {
      runtimeId: 'noimg',
      ...HELLO,
      image: 'local/not-built:1',
    });
    // A failed create answers build_failed, as every failed start does (executor/runtimes.ts).
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('local/not-built:1');
    expect((await mine()).length).toBe(before);
  });
});
