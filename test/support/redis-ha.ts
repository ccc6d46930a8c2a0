import { Redis } from 'ioredis';
import { type ClusterNodeInfo, parseClusterNodes } from '../../registry/cluster-nodes.ts';
import { isAlive } from './processes.ts';
import {
  type StartSentinelOptions,
  startRedis,
  startSentinel,
  type TestRedis,
  type TestSentinel,
} from './redis.ts';
import { waitFor } from './wait.ts';

const HOST = '127.0.0.1';
const SLOTS = 16384;

/**
 * Waits until `count` replicas of `master` have acknowledged everything written to it so far
 * (replication is asynchronous: a write the master took just before it died is lost).
 */
async function waitForReplicas(master: TestRedis, count: number): Promise<void> {
  const offsetOf = (info: string) => Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  const target = offsetOf(await master.command('INFO', 'replication'));
  await waitFor(
    `the replicas of ${master.port} to reach offset ${target}`,
    async () => {
      const info = await master.command('INFO', 'replication');
      const offsets = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
      return offsets.length === count && offsets.every((o) => o >= target);
    },
    30_000,
  );
}

/** A real Redis Cluster of masters with replicas (failover by the nodes themselves). */
export interface TestCluster {
  /** `redis-cluster://127.0.0.1:p1,…` listing every node. */
  readonly url: string;
  readonly nodes: TestRedis[];
  /** The node serving `slot` as master now, asked of a live node. */
  masterOf(slot: number): Promise<TestRedis>;
  /** The hash slot of `key` (`CLUSTER KEYSLOT`). */
  slotOf(key: string): Promise<number>;
  /** Waits until some live replica serves `slot` as master and every live node agrees (after a master died). */
  waitForMaster(slot: number, notPort: number): Promise<TestRedis>;
  /**
   * Waits until every replica of the master serving `slot` has acknowledged everything written to it
   * so far (replication is asynchronous: a write the master took just before it died is lost).
   */
  waitReplicated(slot: number): Promise<void>;
  /** Stops every node. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartClusterOptions {
  /** Default 3 (the smallest cluster that can elect a new master after losing one). */
  masters?: number;
  /** Replicas per master; default 1. */
  replicas?: number;
  /** `cluster-node-timeout`; default 1000 ms (Redis's default is 15 s, too slow for a test). */
  nodeTimeoutMs?: number;
  /** Extra `redis-server` arguments for every node (e.g. `--cluster-require-full-coverage no`). */
  args?: string[];
}

/**
 * Starts a Redis Cluster of `masters` masters with `replicas` replicas each on free ports, built by
 * hand (ADDSLOTSRANGE, MEET, REPLICATE) so no `redis-cli` is needed, and waits until every node
 * reports `cluster_state:ok` and every replica is in sync. Stop it in `afterAll`.
 */
export async function startRedisCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 1000),
    '--cluster-announce-ip',
    HOST,
    ...(options.args ?? []),
  ];
  const nodes: TestRedis[] = [];
  const live = (): TestRedis[] => nodes.filter((n) => isAlive(n.pid));
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startRedis({ args }));
    const ids = await Promise.all(nodes.map(async (n) => bulk(await n.command('CLUSTER', 'MYID'))));
    for (let m = 0; m < masters; m++) {
      const first = Math.floor((m * SLOTS) / masters);
      const last = Math.floor(((m + 1) * SLOTS) / masters) - 1;
      const reply = await nodes[m]!.command('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
      if (!reply.startsWith('+OK')) throw new Error(`CLUSTER ADDSLOTSRANGE failed: ${reply}`);
    }
    for (const node of nodes.slice(1)) await nodes[0]!.command('CLUSTER', 'MEET', HOST, String(node.port));
    await waitFor(
      'every node to know every other',
      async () => {
        for (const n of nodes)
          if (parseClusterNodes(await n.command('CLUSTER', 'NODES')).length !== nodes.length) return false;
        return true;
      },
      30_000,
    );
    for (let r = masters; r < nodes.length; r++) {
      const masterId = ids[(r - masters) % masters]!;
      await waitFor(
        `node ${nodes[r]!.port} to replicate`,
        async () => (await nodes[r]!.command('CLUSTER', 'REPLICATE', masterId)).startsWith('+OK'),
        30_000,
      );
    }
    await waitFor(
      'cluster_state:ok and replicas in sync on every node',
      async () => {
        for (const n of nodes) {
          if (!(await n.command('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
          const info = await n.command('INFO', 'replication');
          if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
        }
        return true;
      },
      30_000,
    );
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
  const view = async () => {
    for (const n of live()) {
      const reply = await n.command('CLUSTER', 'NODES').catch(() => undefined);
      if (reply) return parseClusterNodes(reply);
    }
    throw new Error('no live cluster node answers');
  };
  const byPort = (port: number) => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no test node on port ${port}`);
    return node;
  };
  const servingMaster = (all: ClusterNodeInfo[], slot: number) =>
    all.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
  return {
    url: `redis-cluster://${nodes.map((n) => `${HOST}:${n.port}`).join(',')}`,
    nodes,
    async masterOf(slot) {
      const m = servingMaster(await view(), slot);
      if (!m) throw new Error(`no master serves slot ${slot}`);
      return byPort(m.port);
    },
    async slotOf(key) {
      return Number((await live()[0]!.command('CLUSTER', 'KEYSLOT', key)).slice(1));
    },
    async waitForMaster(slot, notPort) {
      let found: ClusterNodeInfo | undefined;
      await waitFor(
        `a new master for slot ${slot}`,
        async () => {
          const views = await Promise.all(
            live().map(async (n) => parseClusterNodes(await n.command('CLUSTER', 'NODES'))),
          );
          const masters = views.map((v) => servingMaster(v, slot));
          found = masters[0];
          return (
            found !== undefined && found.port !== notPort && masters.every((m) => m?.port === found?.port)
          );
        },
        30_000,
      );
      return byPort(found!.port);
    },
    async waitReplicated(slot) {
      await waitForReplicas(byPort(servingMaster(await view(), slot)!.port), replicas);
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** A Redis master with replicas, watched by several real Sentinels. */
export interface TestSentinelGroup {
  readonly name: string;
  /** Master first, then replicas. */
  readonly servers: TestRedis[];
  readonly sentinels: TestSentinel[];
  /** `host:port` of every Sentinel, as `registry.sentinel.sentinels` takes them. */
  readonly addresses: string[];
  /** The server the Sentinels name as master now. */
  master(): Promise<TestRedis>;
  /** Waits until every live Sentinel names a master other than `port`, and that server says `role:master`. */
  waitForNewMaster(port: number): Promise<TestRedis>;
  /** Waits until every replica has acknowledged everything written to the master so far. */
  waitReplicated(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startSentinelGroup}. */
export interface StartSentinelGroupOptions extends StartSentinelOptions {
  /** Default 1. */
  replicas?: number;
  /** Default 3 (with quorum 2, one Sentinel may die). */
  sentinels?: number;
}

/**
 * Starts a master, `replicas` replicas (`--replicaof`) and `sentinels` Sentinels (default 3, quorum
 * 2) and waits until each Sentinel knows every replica and the other Sentinels, so a failover can run.
 */
export async function startSentinelGroup(
  options: StartSentinelGroupOptions = {},
  name = 'fleetgate-ha',
): Promise<TestSentinelGroup> {
  const servers: TestRedis[] = [];
  const sentinels: TestSentinel[] = [];
  const count = options.sentinels ?? 3;
  try {
    const master = await startRedis();
    servers.push(master);
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      servers.push(await startRedis({ args: ['--replicaof', HOST, String(master.port)] }));
    }
    await waitFor(
      'replicas in sync',
      async () => {
        for (const r of servers.slice(1))
          if (!(await r.command('INFO', 'replication')).includes('master_link_status:up')) return false;
        return true;
      },
      30_000,
    );
    for (let i = 0; i < count; i++) {
      sentinels.push(await startSentinel(master, name, { quorum: options.quorum ?? 2, ...options }));
    }
    await waitFor(
      'every Sentinel to know the replicas and the other Sentinels',
      async () => {
        for (const s of sentinels) {
          if (!(await s.command('SENTINEL', 'REPLICAS', name)).startsWith(`*${servers.length - 1}`))
            return false;
          if (!(await s.command('SENTINEL', 'SENTINELS', name)).startsWith(`*${count - 1}`)) return false;
        }
        return true;
      },
      30_000,
    );
  } catch (error) {
    await Promise.all(sentinels.map((s) => s.stop()));
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  // An array reply: asked through ioredis (the raw helper reads only the first line of arrays).
  const named = async (s: TestSentinel): Promise<number> => {
    if (!isAlive(s.pid)) return Number.NaN;
    const client = new Redis({ port: s.port, host: HOST, lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      const reply = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | null;
      return Number(reply?.[1]);
    } finally {
      client.disconnect();
    }
  };
  const byPort = (port: number) => {
    const server = servers.find((s) => s.port === port);
    if (!server) throw new Error(`Sentinel names port ${port}, not a test server`);
    return server;
  };
  return {
    name,
    servers,
    sentinels,
    addresses: sentinels.map((s) => s.address),
    async master() {
      return byPort(await named(sentinels[0]!));
    },
    async waitForNewMaster(port) {
      let next = 0;
      await waitFor(
        `a master other than ${port}`,
        async () => {
          const ports = (await Promise.all(sentinels.map(named))).filter((p) => !Number.isNaN(p));
          next = ports[0] ?? port;
          if (next === port || !ports.every((p) => p === next)) return false;
          return (await byPort(next).command('INFO', 'replication')).includes('role:master');
        },
        30_000,
      );
      return byPort(next);
    },
    async waitReplicated() {
      await waitForReplicas(byPort(await named(sentinels[0]!)), servers.length - 1);
    },
    async stop() {
      await Promise.all(sentinels.map((s) => s.stop()));
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

/** The payload of a bulk-string reply (`$n\r\npayload\r\n`). */
function bulk(reply: string): string {
  const match = /^\$\d+\r\n([\s\S]*)\r\n$/.exec(reply);
  if (!match?.[1]) throw new Error(`expected a bulk reply, got ${JSON.stringify(reply.slice(0, 80))}`);
  return match[1];
}
