// How long a pool's registry calls fail when a Redis Cluster master that does NOT hold the pool's
// slot is SIGKILLed, with `cluster-require-full-coverage yes` (Redis's default) and `no`. A real
// Cluster (3 masters + 3 replicas, cluster-node-timeout 1 s); `list` of the pool every 20 ms through
// the registry; the figure is the span from the first to the last failed call. Writes
// bench/results/failover-full-coverage.json. Run: npx tsx bench/failover/full-coverage.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../../registry/create-registry.ts';
import { poolKeys } from '../../registry/keys.ts';
import { startRedisCluster } from '../../test/support/redis-ha.ts';

const ROUNDS = 3;
const results: Record<string, unknown>[] = [];
for (const coverage of ['yes', 'no']) {
  for (let round = 1; round <= ROUNDS; round++) {
    const cluster = await startRedisCluster({ args: ['--cluster-require-full-coverage', coverage] });
    const registry = createRegistry({ type: 'redis', url: cluster.url, commandTimeoutMs: 500 });
    try {
      await registry.register('default', { id: 'h1', url: 'http://127.0.0.1:9' });
      const slot = await cluster.slotOf(poolKeys('default').hosts);
      const poolMaster = await cluster.masterOf(slot);
      const index = [0, 1, 2].find((i) => cluster.nodes[i] !== poolMaster)!;
      const victim = cluster.nodes[index]!;
      let firstFail: number | undefined;
      let lastFail: number | undefined;
      let failures = 0;
      let calls = 0;
      let running = true;
      const probe = (async () => {
        while (running) {
          const at = performance.now();
          calls++;
          try {
            await registry.list('default');
          } catch {
            failures++;
            firstFail ??= at;
            lastFail = performance.now();
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const killedAt = performance.now();
      await victim.kill();
      await cluster.waitForMaster(Math.floor((index * 16384) / 3), victim.port);
      await new Promise((r) => setTimeout(r, 1000));
      running = false;
      await probe;
      const row = {
        coverage,
        round,
        calls,
        failures,
        blockedMs: firstFail === undefined ? 0 : Math.round((lastFail ?? firstFail) - firstFail),
        promotedAfterMs: Math.round(performance.now() - killedAt - 1000),
      };
      console.log(JSON.stringify(row));
      results.push(row);
    } finally {
      await registry.close();
      await cluster.stop();
    }
  }
}
const out = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(
  `${out}failover-full-coverage.json`,
  `${JSON.stringify({ command: 'npx tsx bench/failover/full-coverage.ts', results }, null, 2)}\n`,
);
