import { afterAll, beforeAll } from 'vitest';
import { startRedis, startSentinel, type TestRedis, type TestSentinel } from '../test/support/redis.ts';
import { createRegistry } from './create-registry.ts';
import { registryContract } from './registry.contract.ts';

// The same contract through Redis Sentinel: ioredis asks the Sentinel for the master's address.
let master: TestRedis;
let sentinel: TestSentinel;
beforeAll(async () => {
  master = await startRedis();
  sentinel = await startSentinel(master);
});
afterAll(async () => {
  await sentinel?.stop();
  await master?.stop();
});

registryContract('redis sentinel', () => ({
  connect: (clock) =>
    createRegistry({
      type: 'redis',
      sentinel: { name: sentinel.name, sentinels: [sentinel.address] },
      clock,
      reloadIntervalMs: 200,
      backoff: { baseMs: 20, maxMs: 200 },
    }),
}));
