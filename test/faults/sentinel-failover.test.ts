import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startSentinelGroup, type TestSentinelGroup } from '../support/redis-ha.ts';
import { waitFor } from '../support/wait.ts';
import { changeAfterPromotion, watchReadiness } from './support/failover-steps.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

const POOL = 'default';
const EXEC_MS = 200;

// A real Sentinel deployment (master, one replica, three Sentinels with quorum 2) holding the
// registry; three executors behind recording hosts; a `fleetgate gateway` process under load while
// the master is SIGKILLed and the Sentinels promote the replica.
describe('Redis Sentinel failover under load (issue 20)', () => {
  let group: TestSentinelGroup;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let gw: GatewayProcess;

  beforeAll(async () => {
    group = await startSentinelGroup({ replicas: 1, sentinels: 3, quorum: 2 });
    fleet = await startExecutors(4, { mode: 'simulated', idPrefix: 'sen', args: ['--sim-cold-start', '20'] });
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    registry = createRegistry({
      type: 'redis',
      sentinel: { name: group.name, sentinels: group.addresses },
      reloadIntervalMs: 1000,
    });
    for (const h of hosts.slice(0, 3))
      await registry.register(POOL, { id: h.address, url: `http://${h.address}` });
    gw = await startGatewayProcess({ sentinel: { name: group.name, sentinels: group.addresses } });
    await waitFor('three hosts in the gateway', async () => (await fleetOf(gw.url)).hosts.length === 3);
  }, 90_000);

  afterAll(async () => {
    await gw?.stop();
    await registry?.close();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
    await group?.stop();
  });

  const run = LONG
    ? { rps: 150, durationMs: 60_000, faultAt: 10_000 }
    : { rps: 100, durationMs: 12_000, faultAt: 2_000 };

  it(
    'master SIGKILLed: no request fails, no gateway leaves readiness, and a change after the promotion reaches it',
    async () => {
      const load = startFaultLoad({
        target: gw.url,
        rps: run.rps,
        durationMs: run.durationMs,
        execTimeMs: EXEC_MS,
        prefix: 'sentinel',
      });
      const readiness = watchReadiness(gw.url);
      await waitFor('load running', () => load.now() >= run.faultAt, run.faultAt + 20_000);
      const old = await group.master();
      await group.waitReplicated();
      await old.kill();
      const killedAt = load.now();
      await group.waitForNewMaster(old.port);
      const promotedAt = load.now();
      // The first write after the promotion (this test's own client reconnects on +switch-master
      // too), then the gateway sees it.
      const { writableAt, seenAt } = await changeAfterPromotion(
        registry,
        gw.url,
        hosts[3]!.address,
        load.now,
      );
      const { summary, outcomes, failed } = await load.done;
      const ready = await readiness.stop();
      const detail = JSON.stringify({
        kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
        notReady: ready.notReady.slice(0, 5),
        gateway: gw.output().slice(-2000),
      });
      expect(summary.skipped, detail).toBe(0);
      expect(failed, detail).toEqual([]);
      expect(ready.polls, detail).toBeGreaterThan(20);
      expect(ready.notReady, detail).toEqual([]);
      const figures = {
        promotionMs: Math.round(promotedAt - killedAt),
        firstWriteAfterPromotionMs: Math.round(writableAt - promotedAt),
        changeSeenAfterPromotionMs: Math.round(seenAt - promotedAt),
        readinessPolls: ready.polls,
        readinessDrops: ready.notReady.length,
      };
      reportRow({
        id: 'sentinel-failover',
        fault: 'Redis Sentinel master SIGKILLed (1 replica, 3 Sentinels, quorum 2, down-after 1 s)',
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

// The mechanism behind "reconnect promptly": with a reconnect backoff of 30 s the registry would be
// down for 30 s after the master dies; it comes back because the Sentinels announce +switch-master.
describe('Sentinel +switch-master reconnects the registry before its backoff would (issue 20)', () => {
  let group: TestSentinelGroup;
  let registry: HostRegistry;

  beforeAll(async () => {
    group = await startSentinelGroup({ replicas: 1, sentinels: 3, quorum: 2 });
    registry = createRegistry({
      type: 'redis',
      sentinel: { name: group.name, sentinels: group.addresses },
      backoff: { baseMs: 30_000, maxMs: 30_000 },
    });
    await waitFor('the registry connected', async () => {
      await registry.register(POOL, { id: 'h1', url: 'http://127.0.0.1:9' });
      return true;
    });
  }, 90_000);

  afterAll(async () => {
    await registry?.close();
    await group?.stop();
  });

  it('is writable on the new master well inside its 30 s backoff', async () => {
    const old = await group.master();
    await group.waitReplicated();
    await old.kill();
    await waitFor('the registry to notice', () => !registry.healthy());
    await group.waitForNewMaster(old.port);
    // 20 s < the 30 s backoff: only the +switch-master announcement can bring it back in time.
    await waitFor(
      'a write on the new master',
      async () => {
        await registry.register(POOL, { id: 'h2', url: 'http://127.0.0.1:9' });
        return true;
      },
      20_000,
    );
    expect((await registry.list(POOL)).hosts.map((h) => h.id)).toEqual(['h1', 'h2']);
  }, 60_000);
});
