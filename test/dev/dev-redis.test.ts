import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { poolKeys } from '../../registry/keys.ts';
import type { FleetSnapshot } from '../../registry/types.ts';
import { captureIO } from '../cli/capture.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { devBanner, killAll, runCurl, spawnCli } from './helpers.ts';
import { commandLine, descendants, running } from './pids.ts';

// `fleetgate dev --redis URL`: the same local fleet on a real Redis registry, which the operator
// commands can read; SIGTERM deregisters its hosts and stops every process.
let redis: TestRedis;
const seenPids = new Set<number>();
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  killAll(seenPids);
  await redis?.stop();
});

async function hostsList(): Promise<FleetSnapshot> {
  const c = captureIO();
  expect(await main(['hosts', 'list', '--json', '--redis', redis.url], c.io), c.err()).toBe(0);
  return JSON.parse(c.out()) as FleetSnapshot;
}

describe('fleetgate dev --redis', () => {
  it('refuses to start when another scaler leads the pool, and starts nothing', async () => {
    const client = new Redis(redis.url);
    try {
      await client.set(poolKeys('default').leader, 'another-scaler', 'PX', 120_000);
      const dev = spawnCli(['dev', '--port', '0', '--redis', redis.url, '--executors', '1']);
      expect(await dev.exited).toEqual({ code: 1, signal: null });
      expect(dev.err()).toContain('pool "default" already has a leading scaler on this Redis');
      expect((await hostsList()).hosts).toEqual([]);
      expect(await client.get(poolKeys('default').leader)).toBe('another-scaler');
    } finally {
      await client.del(poolKeys('default').leader);
      client.disconnect();
    }
  }, 60_000);

  it('registers its executors in Redis, serves through them, and cleans up on SIGTERM', async () => {
    const dev = spawnCli([
      'dev',
      '--port',
      '0',
      '--redis',
      redis.url,
      '--executors',
      '2',
      '--secret',
      'redis-dev',
    ]);
    const { curls, secret } = await devBanner(dev);
    for (const pid of descendants(dev.child.pid!)) seenPids.add(pid);
    expect(secret).toBe('redis-dev');
    expect(dev.out()).toContain(`Fleetgate dev fleet is up (${redis.url} registry)`);

    const snapshot = await waitFor(
      'two active hosts in Redis',
      async () => {
        const s = await hostsList();
        return s.hosts.filter((h) => h.state === 'active').length === 2 ? s : undefined;
      },
      60_000,
    );
    expect(snapshot.hosts.map((h) => h.provider)).toEqual(['process', 'process']);
    // It holds the pool's leader lock, as a scaler would, and gives it up when it stops.
    const leaderKey = new Redis(redis.url);
    expect(await leaderKey.get(poolKeys('default').leader)).toMatch(/^dev:/);

    expect((await runCurl(curls[0]!)).status).toBe(201);
    expect((await runCurl(curls[1]!)).status).toBe(200);
    for (const pid of descendants(dev.child.pid!)) seenPids.add(pid);

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    expect(dev.out()).toContain('SIGTERM: draining the gateway and stopping every executor');
    expect((await hostsList()).hosts).toEqual([]);
    expect(await leaderKey.get(poolKeys('default').leader)).toBeNull();
    leaderKey.disconnect();
    const pids = [...seenPids];
    const left = await waitFor(
      'every child process to be gone',
      () => (pids.some(running) ? undefined : []),
      20_000,
    ).catch(() => pids.filter(running));
    expect(left.map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  }, 300_000);
});
