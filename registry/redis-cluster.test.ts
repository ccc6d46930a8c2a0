import { afterAll, beforeAll } from 'vitest';
import { startRedis, type TestRedis } from '../test/support/redis.ts';
import { createRegistry } from './create-registry.ts';
import { registryContract } from './registry.contract.ts';

// The same contract through ioredis Cluster (`redis-cluster://`) against a one-node Redis Cluster:
// proves the multi-key scripts stay on one slot (the pool hash tag) and pub/sub works through Cluster.
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis({ cluster: true });
});
afterAll(async () => {
  await redis?.stop();
});

registryContract('redis cluster', () => ({
  connect: (clock) =>
    createRegistry({
      type: 'redis',
      url: redis.url,
      clock,
      reloadIntervalMs: 200,
      backoff: { baseMs: 20, maxMs: 200 },
    }),
}));
