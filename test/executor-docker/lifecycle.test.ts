import { afterAll, expect, it } from 'vitest';
import { describeDocker, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import { callExecutor, HELLO_ENTRYPOINT, HELLO_SOURCE, startExecutors } from '../support/executors.ts';

// `fleetgate executor --mode docker` as a real process: no container outlives a SIGTERM, and a
// SIGKILLed executor's containers are removed by the next executor with the same owner.
const docker = await testDocker();
const HELLO = { image: TEST_RUNTIME_IMAGE, source: HELLO_SOURCE, entrypoint: HELLO_ENTRYPOINT };

describeDocker('fleetgate executor --mode docker: process lifecycle', docker, (engine) => {
  const owner = `lifecycle-${process.pid}`;
  const mine = () => engine.containers.list({ 'fleetgate.executor': owner });
  const env = {
    FLEETGATE_EXECUTOR_DOCKER_SOCKET: docker.available ? docker.socketPath : '',
    FLEETGATE_EXECUTOR_DOCKER_OWNER: owner,
  };
  afterAll(async () => {
    for (const c of await mine()) await engine.containers.remove(c.id);
  });

  async function createTwo(url: string, secret: string): Promise<void> {
    for (const runtimeId of ['one', 'two']) {
      const res = await callExecutor(url, secret, 'POST', '/v1/runtimes', { runtimeId, ...HELLO });
      expect(res.status, res.text).toBe(201);
    }
    expect((await mine()).length).toBe(2);
  }

  it('removes every runtime container on SIGTERM and exits 0', async () => {
    const fleet = await startExecutors(1, { mode: 'docker', env, idPrefix: 'lc-term' });
    const host = fleet.hosts[0];
    if (!host) throw new Error('no executor');
    await createTwo(host.url, fleet.secret);
    await fleet.kill(0, 'SIGTERM');
    expect(await fleet.exited(0)).toEqual({ code: 0, signal: null });
    expect(await mine()).toEqual([]);
  });

  it('a restarted executor removes the containers its SIGKILLed predecessor left', async () => {
    const first = await startExecutors(1, { mode: 'docker', env, idPrefix: 'lc-kill' });
    const host = first.hosts[0];
    if (!host) throw new Error('no executor');
    await createTwo(host.url, first.secret);
    await first.kill(0, 'SIGKILL');
    // Nothing watches the containers of a killed executor: they are still there…
    expect((await mine()).length).toBe(2);
    // …until an executor with the same owner starts.
    const second = await startExecutors(1, { mode: 'docker', env, idPrefix: 'lc-kill' });
    try {
      expect(await mine()).toEqual([]);
      expect(second.output(0)).toContain('removed containers left by an earlier run');
    } finally {
      await second.stop();
    }
  });

  it('leaves other owners alone', async () => {
    const other = { ...env, FLEETGATE_EXECUTOR_DOCKER_OWNER: `${owner}-other` };
    const a = await startExecutors(1, { mode: 'docker', env, idPrefix: 'lc-a' });
    try {
      const host = a.hosts[0];
      if (!host) throw new Error('no executor');
      await createTwo(host.url, a.secret);
      const b = await startExecutors(1, { mode: 'docker', env: other, idPrefix: 'lc-b' });
      await b.stop();
      expect((await mine()).length).toBe(2);
    } finally {
      await a.stop();
    }
  });
});
