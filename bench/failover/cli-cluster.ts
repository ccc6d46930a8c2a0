// Measures `fleetgate hosts list` against a real Redis Cluster (3 masters + 3 replicas, node timeout
// 1 s): with a healthy cluster, with a dead seed node first in the URL, with a hung seed first (a
// socket that accepts and never answers), and started right as the master of the pool's slot is SIGKILLed. Prints one JSON line per case and writes
// bench/results/failover-cli.json. Run: npx tsx bench/failover/cli-cluster.ts [path/to/bin/fleetgate.js]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { poolKeys } from '../../registry/keys.ts';
import { startRedisCluster } from '../../test/support/redis-ha.ts';

const BIN = process.argv[2] ?? fileURLToPath(new URL('../../bin/fleetgate.js', import.meta.url));
const ROUNDS = 5;

function hostsList(url: string): Promise<{ code: number | null; ms: number; err: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'hosts', 'list', '--json', '--redis', url]);
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout.resume();
    child.on('exit', (code) =>
      resolve({ code, ms: Math.round(performance.now() - started), err: err.trim() }),
    );
  });
}

// A hung seed: accepts connections, never answers (a stuck node, or an address that black-holes).
const hole = createServer(() => {});
await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
const holePort = (hole.address() as { port: number }).port;

const results: Record<string, unknown>[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const cluster = await startRedisCluster();
  try {
    const healthy = await hostsList(cluster.url);
    const slot = await cluster.slotOf(poolKeys('default').hosts);
    const master = await cluster.masterOf(slot);
    // A dead seed: a replica of another master (node i + 3 replicates master i), first in the URL.
    const other = [0, 1, 2].find((i) => cluster.nodes[i] !== master)!;
    const replica = cluster.nodes[other + 3]!;
    await replica.kill();
    const rest = cluster.nodes.filter((n) => n !== replica).map((n) => `127.0.0.1:${n.port}`);
    const deadSeed = await hostsList(`redis-cluster://127.0.0.1:${replica.port},${rest.join(',')}`);
    const hungSeed = await hostsList(`redis-cluster://127.0.0.1:${holePort},${rest.join(',')}`);
    await master.kill();
    const failover = await hostsList(cluster.url);
    const row = { round, healthy, deadSeed, hungSeed, failover };
    console.log(JSON.stringify(row));
    results.push(row);
  } finally {
    await cluster.stop();
  }
}
const out = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(
  `${out}failover-cli.json`,
  `${JSON.stringify({ command: `npx tsx bench/failover/cli-cluster.ts ${process.argv[2] ?? ''}`.trim(), bin: BIN, results }, null, 2)}\n`,
);
hole.close();
