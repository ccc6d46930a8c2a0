import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { describeDocker, TEST_LABEL, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import {
  callExecutor,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  startInProcessExecutor,
} from '../support/executors.ts';

// Docker mode on a user-defined bridge network: the runtime listens on runtimePort at the
// container's own address (as openruntimes/* images listen on 3000), not on a host port.
const docker = await testDocker();
const NETWORK = `fleetgate-test-net-${process.pid}`;

describeDocker('executor in docker mode on a bridge network', docker, (engine) => {
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(ex.url, ex.secret, method, path, body);

  beforeAll(async () => {
    await engine.networks.create(NETWORK, { labels: { [TEST_LABEL]: 'network-test' } });
    ex = await startInProcessExecutor({
      mode: 'docker',
      docker: {
        socket: docker.available ? docker.socketPath : '',
        owner: `network-${process.pid}`,
        network: NETWORK,
        runtimePort: 3000,
      },
    });
  });
  afterAll(async () => {
    await ex?.close();
    await engine.networks.remove(NETWORK);
  });

  it('reaches two runtimes on the same container port at their own addresses', async () => {
    for (const runtimeId of ['n1', 'n2']) {
      const created = await call('POST', '/v1/runtimes', {
        runtimeId,
        image: TEST_RUNTIME_IMAGE,
        source: HELLO_SOURCE,
        entrypoint: HELLO_ENTRYPOINT,
      });
      expect(created.status, created.text).toBe(201);
      const res = await call('POST', `/v1/runtimes/${runtimeId}/executions`, { path: `/?name=${runtimeId}` });
      expect(res.status, res.text).toBe(200);
      expect(JSON.parse(res.json.body).greeting).toBe(`Hello, ${runtimeId}!`);
    }
    const containers = await engine.containers.list({ 'fleetgate.executor': `network-${process.pid}` });
    const addresses = await Promise.all(
      containers.map(async (c) => (await engine.containers.inspect(c.id)).networks[NETWORK]?.ipAddress),
    );
    expect(new Set(addresses).size).toBe(2);
  });
});
