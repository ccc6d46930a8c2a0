import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type ExecutorFleet, startExecutors, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startTestGateway, type TestGateway, until } from './harness.ts';

// Issue 19, deliverable 4: a handoff create (a runtime created on one given host) goes through the
// pool's Redis single flight, as a first call's create does: two gateways handing the same runtime to
// the same host send one create between them. Real redis-server, real executor (600 ms cold start).

const FIELDS = {
  image: 'openruntimes/node:v5-22',
  source: '',
  entrypoint: 'index.mjs',
  variables: {},
  runtimeEntrypoint: '',
  cpus: 1,
  memory: 512,
  version: 'v5',
  restartPolicy: 'no',
};

async function creates(gw: TestGateway, outcome: string): Promise<number> {
  const text = await gw.metricsRegistry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`fleetgate_gateway_activator_creates_total{outcome="${outcome}"}`));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
}

describe('handoff creates under the Redis single flight (2 gateways, 1 executor)', () => {
  let fleet: ExecutorFleet;
  let redis: TestRedis;
  const registries: HostRegistry[] = [];
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    [fleet, redis] = await Promise.all([
      startExecutors(1, { mode: 'simulated', idPrefix: 'hl', args: ['--sim-cold-start', '600'] }),
      startRedis(),
    ]);
    for (let i = 0; i < 2; i++) registries.push(createRegistry({ type: 'redis', url: redis.url }));
    const h = fleet.hosts[0]!;
    await registries[0]!.register('default', { id: h.id, url: h.url, state: 'active' });
    for (const registry of registries)
      gateways.push(await startTestGateway({ registry, options: { activator: { enabled: true } } }));
    await until('the host active in both views', () =>
      gateways.every((g) => g.gateway.fleet.byId.get(h.id)?.state === 'active'),
    );
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    for (const r of registries) await r.close();
    await redis?.stop();
    await fleet?.stop();
  });

  it('two gateways hand the same runtime to the same host at once: one create, no 409', async () => {
    const host = fleet.hosts[0]!;
    const results = await Promise.all(
      gateways.map((g) => g.gateway.activator.prewarmOn(host.id, 'hl-one', FIELDS)),
    );
    expect(results).toEqual([true, true]);
    const created = await Promise.all(gateways.map((g) => creates(g, 'created')));
    const exists = await Promise.all(gateways.map((g) => creates(g, 'exists')));
    expect(created.reduce((a, b) => a + b, 0)).toBe(1);
    expect(exists).toEqual([0, 0]);
    const res = await request(`${host.url}/v1/runtimes`, {
      headers: { authorization: `Bearer ${TEST_EXECUTOR_SECRET}` },
    });
    const names = ((await res.body.json()) as Array<{ name: string }>).map((r) => r.name);
    expect(names.filter((n) => n.endsWith('-hl-one'))).toHaveLength(1);
  });
});
