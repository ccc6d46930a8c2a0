import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { freePort } from '../../lib/free-port.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import { FLEETGATE_BIN } from '../scaler/scaler-process.ts';
import { startInProcessExecutor, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { type ManagedProcess, startProcess } from '../support/processes.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { until } from './harness.ts';

// Issue 2, bad input: "A Redis that is down at start: the registry retries with backoff and says so
// in its log; it never crashes the process." Here for the real `fleetgate gateway` process.
describe('fleetgate gateway started while its Redis is down', () => {
  let redis: TestRedis;
  let exec: RunningExecutor;
  let gateway: ManagedProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    await redis.stop();
    exec = await startInProcessExecutor({ mode: 'simulated', port: 0, secret: TEST_EXECUTOR_SECRET });
  });

  afterAll(async () => {
    await gateway?.stop();
    await exec?.close();
    await redis?.stop();
  });

  it('stays up, retries with backoff and says so, is not ready, then serves once Redis is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const get = (path: string) =>
      fetch(`${url}${path}`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    gateway = await startProcess({
      name: 'fleetgate gateway',
      command: process.execPath,
      args: [FLEETGATE_BIN, 'gateway', '--host', '127.0.0.1', '--port', String(port)],
      env: {
        ...process.env,
        FLEETGATE_REDIS_URL: redis.url,
        OPR_PROXY_SECRET: 'down-at-start',
        OPR_PROXY_EXECUTOR_SECRET: TEST_EXECUTOR_SECRET,
        FLEETGATE_LOG_LEVEL: 'info',
      },
      ready: async () => (await get('/healthz'))?.status === 200,
      readyTimeoutMs: 30_000,
      pollMs: 50,
    });

    const notReady = await get('/readyz');
    expect(notReady?.status).toBe(503);
    expect(((await notReady!.json()) as { reasons: string[] }).reasons.join('; ')).toContain(
      'registry unreachable',
    );
    // Several reconnect attempts logged, further and further apart (backoff), and still running.
    await until('three reconnect attempts in the log', () => reconnectDelays().length >= 3, 30_000);
    const delays = reconnectDelays();
    expect(delays[2]!).toBeGreaterThan(delays[0]!);
    expect(gateway.output()).toContain('registry unreachable; routing on the last fleet view');

    await redis.restart();
    const registry = createRegistry({ type: 'redis', url: redis.url });
    try {
      await until('the registry writable', () =>
        registry
          .register('default', { id: 'h1', url: exec.url, state: 'active' })
          .then(() => true)
          .catch(() => false),
      );
      await until('/readyz 200', async () => (await get('/readyz'))?.status === 200, 30_000);
    } finally {
      await registry.close();
    }
    const health = await fetch(`${url}/v1/health`, {
      headers: { authorization: 'Bearer down-at-start' },
    });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-fleetgate-host')).toBe('h1');
    expect(gateway.output()).toMatch(/"msg":"(re)?connected to Redis"/);
  }, 120_000);

  function reconnectDelays(): number[] {
    return (gateway?.output() ?? '')
      .split('\n')
      .filter((l) => l.includes('"reconnecting to Redis"') && l.includes('"role":"command"'))
      .map((l) => (JSON.parse(l) as { delayMs: number }).delayMs);
  }
});
