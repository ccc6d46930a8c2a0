import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { freePort } from '../../lib/free-port.ts';
import { connectRefused } from '../support/connect-refused.ts';
import { REPO_ROOT, startInProcessExecutor, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { call, GATEWAY_SECRET, simExecution, startTestGateway, until } from './harness.ts';

const slow = (ms: number) => simExecution({ body: JSON.stringify({ simDurationMs: ms }) });

describe('graceful shutdown', () => {
  let exec: RunningExecutor;

  beforeAll(async () => {
    exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
  });

  afterAll(async () => {
    await exec?.close();
  });

  it('fails readiness, refuses new connections and lets in-flight requests finish', async () => {
    const gw = await startTestGateway({ options: { executors: [exec.url] } });
    const inflight = Array.from({ length: 3 }, (_, i) =>
      call(gw.url, 'POST', `/v1/runtimes/sd-${i}/executions`, {
        body: slow(1_500),
        headers: { accept: 'application/json' },
      }),
    );
    await until('three requests in flight', () => gw.gateway.inflight() === 3);
    const closing = gw.close();
    expect(gw.gateway.readiness()).toMatchObject({
      ready: false,
      reasons: expect.arrayContaining(['shutting down']),
    });
    // The listener accepts its backlog for one event-loop turn, then closes.
    await until('the port refuses new connections', () => connectRefused(Number(new URL(gw.url).port)));
    await expect(call(gw.url, 'GET', '/v1/proxy/health', { auth: null })).rejects.toThrow();
    const answers = await Promise.all(inflight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    // Answered during the drain: each closes its connection, so no client reuses a closing socket.
    expect(answers.map((a) => a.headers.connection)).toEqual(['close', 'close', 'close']);
    expect(await closing).toEqual({ drained: true });
  });

  it('a broadcast answered during the drain closes its connection too', async () => {
    // A host whose DELETE answers only when the test says so.
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const host = createServer((req, res) => {
      if (req.method === 'DELETE') void released.then(() => res.writeHead(404).end());
      else res.end('OK');
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const gw = await startTestGateway({
      options: { executors: [`127.0.0.1:${(host.address() as AddressInfo).port}`] },
    });
    try {
      const answer = call(gw.url, 'DELETE', '/v1/runtimes/bc-drain', {
        headers: { 'x-opr-addressing-method': 'broadcast' },
      });
      await until('the broadcast in flight', () => gw.gateway.inflight() === 1);
      const closing = gw.close();
      release();
      const res = await answer;
      expect(res.status).toBe(204);
      expect(res.headers.connection).toBe('close');
      expect(await closing).toEqual({ drained: true });
    } finally {
      await gw.close();
      host.closeAllConnections();
      await new Promise((r) => host.close(r));
    }
  });

  it('fleetgate gateway drains on SIGTERM and exits 0 (configured through OPR_PROXY_* only)', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/fleetgate.js', 'gateway', '--host', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        OPR_PROXY_SECRET: GATEWAY_SECRET,
        OPR_PROXY_EXECUTOR_SECRET: TEST_EXECUTOR_SECRET,
        OPR_PROXY_EXECUTORS: exec.url.replace('http://', ''),
        FLEETGATE_LOG_LEVEL: 'warn',
        FLEETGATE_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      await until(
        'the gateway is ready',
        async () =>
          (await call(url, 'GET', '/readyz', { auth: null }).catch(() => ({ status: 0 }))).status === 200,
        30_000,
      );
      const pending = call(url, 'POST', '/v1/runtimes/cli-rt/executions', {
        body: slow(1_500),
        headers: { accept: 'application/json' },
      });
      // SIGTERM only once the execution is running on the executor: the gateway has it in flight.
      await until(
        'the execution running on the executor',
        () => exec.executor.table.inflight() === 1,
        30_000,
      );
      child.kill('SIGTERM');
      const answer = await pending;
      expect(answer.status, output).toBe(200);
      expect(answer.headers['x-fleetgate-host']).toBe(exec.url.replace('http://', ''));
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
