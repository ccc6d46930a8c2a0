import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import { poolKeys } from '../../registry/keys.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { FLEETGATE_BIN } from '../scaler/scaler-process.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startRedisCluster, type TestCluster } from '../support/redis-ha.ts';
import { waitFor } from '../support/wait.ts';
import { changeAfterPromotion, watchReadiness } from './support/failover-steps.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

const POOL = 'default';
const EXEC_MS = 200;

/** Runs `fleetgate hosts list --json --redis URL` and returns its exit code, output and duration. */
function hostsList(url: string): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [FLEETGATE_BIN, 'hosts', 'list', '--json', '--redis', url], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out, err, ms: Math.round(performance.now() - started) }));
  });
}

/** `fleetgate_gateway_registry_nodes{state="down"}` from a gateway's /metrics, or undefined. */
async function nodesDown(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^fleetgate_gateway_registry_nodes\{state="down"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

// A real Redis Cluster (3 masters, a replica each, cluster-node-timeout 1 s) holding the registry;
// four executors behind recording hosts; a `fleetgate gateway` process under load.
describe('Redis Cluster faults under load (issue 20)', () => {
  let cluster: TestCluster;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let gw: GatewayProcess;
  let poolSlot: number;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1 });
    poolSlot = await cluster.slotOf(poolKeys(POOL).hosts);
    fleet = await startExecutors(4, { mode: 'simulated', idPrefix: 'clu', args: ['--sim-cold-start', '20'] });
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    registry = createRegistry({ type: 'redis', url: cluster.url, reloadIntervalMs: 1000 });
    for (const h of hosts.slice(0, 2))
      await registry.register(POOL, { id: h.address, url: `http://${h.address}` });
    gw = await startGatewayProcess({ redisUrl: cluster.url });
    await waitFor('two hosts in the gateway', async () => (await fleetOf(gw.url)).hosts.length === 2);
  }, 90_000);

  afterAll(async () => {
    await gw?.stop();
    await registry?.close();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
    await cluster?.stop();
  });

  it('a master that does not hold the pool is SIGKILLed: the gateway shows a node down (metric, log) and stays ready', async () => {
    const poolMaster = await cluster.masterOf(poolSlot);
    // The first three nodes are the masters; master i serves slots from floor(i × 16384 / 3).
    const index = [0, 1, 2].find((i) => cluster.nodes[i]!.port !== poolMaster.port)!;
    const victim = cluster.nodes[index]!;
    const victimSlot = Math.floor((index * 16384) / 3);
    expect(await nodesDown(gw.url)).toBe(0);
    await victim.kill();
    await waitFor('the gateway reports one node down', async () => (await nodesDown(gw.url)) === 1, 30_000);
    expect(gw.output()).toContain('Redis Cluster node down');
    expect(gw.output()).toContain(`127.0.0.1:${victim.port}`);
    // Its replica takes over; the node stays down (it is dead) and the gateway stays ready.
    await cluster.waitForMaster(victimSlot, victim.port);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    await registry.register(POOL, { id: hosts[2]!.address, url: `http://${hosts[2]!.address}` });
    await waitFor('the gateway sees the third host', async () =>
      (await fleetOf(gw.url)).hosts.some((h) => h.id === hosts[2]!.address),
    );
  }, 90_000);

  const run = LONG
    ? { rps: 150, durationMs: 60_000, faultAt: 10_000 }
    : { rps: 100, durationMs: 12_000, faultAt: 2_000 };

  it(
    "the pool's master SIGKILLed: no request fails, readiness holds, a CLI call rides it out, and a change after the promotion reaches the gateway",
    async () => {
      const load = startFaultLoad({
        target: gw.url,
        rps: run.rps,
        durationMs: run.durationMs,
        execTimeMs: EXEC_MS,
        prefix: 'cluster',
      });
      const readiness = watchReadiness(gw.url);
      await waitFor('load running', () => load.now() >= run.faultAt, run.faultAt + 20_000);
      const old = await cluster.masterOf(poolSlot);
      await cluster.waitReplicated(poolSlot);
      await old.kill();
      const killedAt = load.now();
      // An operator lists the hosts right as the master dies.
      const cli = hostsList(cluster.url);
      await cluster.waitForMaster(poolSlot, old.port);
      const promotedAt = load.now();
      const { writableAt, seenAt } = await changeAfterPromotion(
        registry,
        gw.url,
        hosts[3]!.address,
        load.now,
      );
      const listed = await cli;
      const { summary, outcomes, failed } = await load.done;
      const ready = await readiness.stop();
      const detail = JSON.stringify({
        kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
        cli: listed,
        notReady: ready.notReady.slice(0, 5),
        gateway: gw.output().slice(-1500),
      });
      expect(summary.skipped, detail).toBe(0);
      expect(failed, detail).toEqual([]);
      expect(ready.notReady, detail).toEqual([]);
      expect(listed.code, detail).toBe(0);
      expect((JSON.parse(listed.out) as { hosts: unknown[] }).hosts.length, detail).toBeGreaterThanOrEqual(2);
      const figures = {
        promotionMs: Math.round(promotedAt - killedAt),
        firstWriteAfterPromotionMs: Math.round(writableAt - promotedAt),
        changeSeenAfterPromotionMs: Math.round(seenAt - promotedAt),
        cliDuringFailoverMs: listed.ms,
        readinessPolls: ready.polls,
        readinessDrops: ready.notReady.length,
      };
      reportRow({
        id: 'cluster-master-kill',
        fault: "Redis Cluster master of the pool's slot SIGKILLed (3 masters + 3 replicas, node timeout 1 s)",
        load: `${run.rps} req/s × ${run.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 hosts`,
        sent: summary.sent,
        failed,
        reachedHost: (s) => hosts.some((h) => h.seen.has(s)),
        recoverMs: Math.round(seenAt - killedAt),
        extra: figures,
      });
    },
    run.durationMs + 90_000,
  );
});

// Issue 20 point 6: a call made while the pool's master dies used to fail once ioredis ran out of
// redirections ("Too many Cluster redirections", 3.7 s for the CLI), whatever the caller's bound.
// Now the call's own bound is what ends it, and inside it the failover's "not now" answers are retried.
describe('a registry call during a Cluster failover (issue 20)', () => {
  let cluster: TestCluster;
  let registry: HostRegistry;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 1 });
    // A bound well past the failover (≈ 2-3 s with a 1 s node timeout).
    registry = createRegistry({ type: 'redis', url: cluster.url, commandTimeoutMs: 15_000 });
    await registry.register(POOL, { id: 'h1', url: 'http://127.0.0.1:9' });
    // The replica must hold h1 before its master dies, or the promotion loses it.
    await cluster.waitReplicated(await cluster.slotOf(poolKeys(POOL).hosts));
  }, 60_000);

  afterAll(async () => {
    await registry?.close();
    await cluster?.stop();
  });

  it('succeeds once the replica is promoted, instead of failing on ioredis redirections', async () => {
    const old = await cluster.masterOf(await cluster.slotOf(poolKeys(POOL).hosts));
    await old.kill();
    const listed = await registry.list(POOL);
    expect(listed.hosts.map((h) => h.id)).toEqual(['h1']);
    const written = await registry.register(POOL, { id: 'h2', url: 'http://127.0.0.1:9' });
    expect(written.id).toBe('h2');
  }, 60_000);
});
