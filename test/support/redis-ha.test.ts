import { afterAll, describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../registry/cluster-nodes.ts';
import { isAlive } from './processes.ts';
import {
  startRedisCluster,
  startSentinelGroup,
  type TestCluster,
  type TestSentinelGroup,
} from './redis-ha.ts';

describe('startRedisCluster', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts 3 masters with a replica each, and a killed master is replaced by its replica holding what was replicated', async () => {
    cluster = await startRedisCluster();
    const nodes = parseClusterNodes(await cluster.nodes[0]!.command('CLUSTER', 'NODES'));
    expect(nodes.filter((n) => n.master)).toHaveLength(3);
    expect(nodes.filter((n) => !n.master && n.masterId)).toHaveLength(3);
    const slot = await cluster.slotOf('fleetgate:{pool}:hosts');
    const old = await cluster.masterOf(slot);
    expect(await old.command('SET', 'fleetgate:{pool}:probe', 'kept')).toContain('OK');
    await cluster.waitReplicated(slot);
    await old.kill();
    expect(isAlive(old.pid)).toBe(false);
    const next = await cluster.waitForMaster(slot, old.port);
    expect(next.port).not.toBe(old.port);
    expect(await next.command('INFO', 'replication')).toContain('role:master');
    expect(await next.command('GET', 'fleetgate:{pool}:probe')).toContain('kept');
  }, 60_000);
});

describe('startSentinelGroup', () => {
  let group: TestSentinelGroup | undefined;
  afterAll(async () => {
    await group?.stop();
  });

  it('starts a master, a replica and 3 Sentinels that fail over, keeping what was replicated, when the master dies', async () => {
    group = await startSentinelGroup();
    const master = await group.master();
    expect(master.port).toBe(group.servers[0]!.port);
    expect(await master.command('SET', 'probe', 'kept')).toContain('OK');
    await group.waitReplicated();
    await master.kill();
    const next = await group.waitForNewMaster(master.port);
    expect(next.port).toBe(group.servers[1]!.port);
    expect(await next.command('GET', 'probe')).toContain('kept');
  }, 60_000);
});
