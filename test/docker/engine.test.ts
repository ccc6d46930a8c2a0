import { createServer } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { DockerError } from '../../lib/docker/index.ts';
import {
  describeDocker,
  TEST_LABEL,
  TEST_LIMITS,
  TEST_NODE_IMAGE,
  TEST_RUNTIME_IMAGE,
  testDocker,
} from '../support/docker.ts';

// The engine client against the run's real dockerd (test/support/docker.ts).
const docker = await testDocker();
const labels = { [TEST_LABEL]: 'engine-test' };

async function failure(promise: Promise<unknown>): Promise<DockerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DockerError);
  return error as DockerError;
}

describeDocker('Docker engine client on a real engine', docker, (engine) => {
  afterAll(async () => {
    for (const c of await engine.containers.list(labels)) await engine.containers.remove(c.id);
  });

  it('pings and reads the version (API 1.41 or newer)', async () => {
    await engine.ping();
    const version = await engine.version();
    expect(Number(version.apiVersion)).toBeGreaterThanOrEqual(1.41);
  });

  it('finds the test images and names a missing one', async () => {
    expect((await engine.images.inspect(TEST_NODE_IMAGE)).repoTags).toContain(TEST_NODE_IMAGE);
    expect(await engine.images.find(TEST_RUNTIME_IMAGE)).toBeDefined();
    expect(await engine.images.find('local/does-not-exist:1')).toBeUndefined();
    const error = await failure(engine.images.inspect('local/does-not-exist:1'));
    expect(error.kind).toBe('image_not_found');
    expect(error.message).toContain('local/does-not-exist:1');
  });

  it('runs a container to completion: logs split by stream, exit code, list by label, remove', async () => {
    const id = await engine.containers.create({
      image: TEST_NODE_IMAGE,
      cmd: ['node', '-e', 'console.log("to stdout"); console.error("to stderr"); process.exit(3)'],
      labels,
      networkMode: 'none',
      limits: TEST_LIMITS,
    });
    await engine.containers.start(id);
    expect(await engine.containers.wait(id)).toEqual({ exitCode: 3, error: '' });
    expect(await engine.containers.logs(id)).toEqual({ stdout: 'to stdout\n', stderr: 'to stderr\n' });
    const info = await engine.containers.inspect(id);
    expect(info.state).toMatchObject({ status: 'exited', running: false, exitCode: 3, oomKilled: false });
    expect(info.labels).toMatchObject(labels);
    expect((await engine.containers.list(labels)).map((c) => c.id)).toContain(id);
    expect((await engine.containers.list(labels, { running: true })).map((c) => c.id)).not.toContain(id);
    await engine.containers.remove(id);
    expect((await failure(engine.containers.inspect(id))).kind).toBe('container_not_found');
  });

  it('enforces memory, CPU and pids limits (cgroups)', async () => {
    const id = await engine.containers.create({
      image: TEST_NODE_IMAGE,
      cmd: [
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max',
      ],
      labels,
      networkMode: 'none',
      limits: { memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pids: 32 },
    });
    await engine.containers.start(id);
    expect((await engine.containers.wait(id)).exitCode).toBe(0);
    const lines = (await engine.containers.logs(id)).stdout.trim().split('\n');
    expect(lines[0]).toBe(String(64 * 1024 * 1024));
    expect(lines[1]).toBe('32');
    // cgroup v1: quota 50000 of a 100000 µs period; v2: "50000 100000".
    expect(lines[2]?.split(' ')[0]).toBe('50000');
  });

  it('reports an OOM kill', async () => {
    const id = await engine.containers.create({
      image: TEST_NODE_IMAGE,
      cmd: ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));'],
      labels,
      networkMode: 'none',
      limits: { memoryBytes: 48 * 1024 * 1024, cpus: 1, pids: 32 },
    });
    await engine.containers.start(id);
    await engine.containers.wait(id);
    const info = await engine.containers.inspect(id);
    expect(info.state.oomKilled).toBe(true);
    expect(info.state.exitCode).toBe(137);
  });

  it('follows engine events for labelled containers', async () => {
    const seen: string[] = [];
    const abort = new AbortController();
    let sawDie!: () => void;
    const died = new Promise<void>((resolve) => {
      sawDie = resolve;
    });
    const following = engine.events(
      labels,
      (event) => {
        seen.push(event.action);
        if (event.action === 'die') sawDie();
      },
      { signal: abort.signal },
    );
    const id = await engine.containers.create({
      image: TEST_NODE_IMAGE,
      cmd: ['sh', '-c', 'exit 0'],
      labels,
      networkMode: 'none',
      limits: TEST_LIMITS,
    });
    await engine.containers.start(id);
    await died;
    abort.abort();
    await following;
    expect(seen).toEqual(expect.arrayContaining(['create', 'start', 'die']));
  });

  it('names a conflict on a taken container name', async () => {
    const name = `fleetgate-test-conflict-${process.pid}`;
    await engine.containers.create({
      image: TEST_NODE_IMAGE,
      name,
      cmd: ['sh', '-c', 'exit 0'],
      labels,
      networkMode: 'none',
      limits: TEST_LIMITS,
    });
    const error = await failure(
      engine.containers.create({
        image: TEST_NODE_IMAGE,
        name,
        cmd: ['sh', '-c', 'exit 0'],
        labels,
        networkMode: 'none',
        limits: TEST_LIMITS,
      }),
    );
    expect(error.kind).toBe('container_conflict');
    expect(error.message).toContain(name);
  });

  it('names a missing image on create and leaves no container behind', async () => {
    const before = (await engine.containers.list(labels)).length;
    const error = await failure(
      engine.containers.create({ image: 'local/missing:404', labels, limits: TEST_LIMITS }),
    );
    expect(error.kind).toBe('image_not_found');
    expect(error.message).toContain('local/missing:404');
    expect((await engine.containers.list(labels)).length).toBe(before);
  });

  it('names a taken port when a published port is bound on the host', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const network = await engine.networks.create(`fleetgate-test-ports-${process.pid}`, { labels });
    try {
      const id = await engine.containers.create({
        image: TEST_NODE_IMAGE,
        cmd: ['sleep', '30'],
        labels,
        networkMode: `fleetgate-test-ports-${process.pid}`,
        ports: [{ container: 3000, host: port }],
        limits: TEST_LIMITS,
      });
      const error = await failure(engine.containers.start(id));
      expect(error.kind).toBe('port_in_use');
      expect(error.message).toContain(id);
    } finally {
      holder.close();
      for (const c of await engine.containers.list(labels)) await engine.containers.remove(c.id);
      await engine.networks.remove(network);
    }
  });
});
