import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createScalerMetrics } from '../../metrics/scaler.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { soleLeader } from '../../scaler/leader/elector.ts';
import { memoryDecisionLog } from '../../scaler/loop/decision-log.ts';
import { PoolLoop } from '../../scaler/loop/pool-loop.ts';
import { parsePolicy } from '../../scaler/policy/parse.ts';
import { createStaticProvider } from '../../scaler/providers/static.ts';
import type { HostProvider } from '../../scaler/providers/types.ts';
import type { MetricSource } from '../../scaler/sources/types.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startFakeExecutors } from './scaler-process.ts';

describe('the loop across a real Redis outage', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let executors: Awaited<ReturnType<typeof startFakeExecutors>> | undefined;
  const urls: string[] = [];

  beforeAll(async () => {
    redis = await startRedis({ persist: true });
    registry = createRegistry({
      type: 'redis',
      url: redis.url,
      commandTimeoutMs: 500,
      backoff: { baseMs: 50, maxMs: 500 },
    });
    executors = await startFakeExecutors(2);
    urls.push(...executors.urls);
  });
  afterAll(async () => {
    await executors?.stop();
    await registry?.close();
    await redis?.stop();
  });

  it('takes no action while Redis is down, keeps ticking, and acts again once it is back', async () => {
    let demand = 5;
    const source: MetricSource = {
      kind: 'fake',
      read: async () => ({ ok: true, value: demand }),
      readVector: async () => ({ ok: true, series: [] }),
      close: async () => {},
    };
    const inner = createStaticProvider({ hosts: urls, logger: silentLogger() });
    let creates = 0;
    const provider: HostProvider = {
      ...inner,
      create: (ctx) => {
        creates++;
        return inner.create(ctx);
      },
    };
    const loop = new PoolLoop({
      policy: parsePolicy(
        'pool: outage\nhosts: { min: 1, max: 2 }\nprovider: { type: static, hosts: [http://127.0.0.1:9] }\n' +
          'metrics:\n  - { name: m, query: q, target: { type: averagePerHost, value: 10 } }\nstartup: { holdFor: 0s }\npanic: { enabled: false }\n',
      ),
      registry,
      source,
      provider,
      elector: soleLeader(),
      clock: systemClock,
      logger: silentLogger(),
      metrics: createScalerMetrics(new Registry()),
      localLog: memoryDecisionLog(),
      startedAt: Date.now(),
    });
    const hosts = async () => (await registry.list('outage')).hosts;

    expect((await loop.tick()).reason).toBe('ScaleUp');
    expect(await hosts()).toHaveLength(1);

    await redis.kill();
    demand = 15;
    for (let i = 0; i < 3; i++) {
      const record = await loop.tick();
      expect(record.reason).toBe('RegistryUnavailable');
      expect(record.outcomes).toEqual([]);
    }
    expect(creates).toBe(1);

    await redis.restart();
    const deadline = Date.now() + 30_000;
    let record = await loop.tick();
    while (record.reason === 'RegistryUnavailable' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      record = await loop.tick();
    }
    expect(record.reason).toBe('ScaleUp');
    expect(await hosts()).toHaveLength(2);
    expect(creates).toBe(2);
    await loop.stop();
  }, 120_000);
});
