import type { Cluster } from 'ioredis';
import type { Logger } from '../lib/logger.ts';
import { parseClusterNodes } from './cluster-nodes.ts';

/** What a Redis Cluster says about itself. */
export interface ClusterNodesState {
  /** Nodes (masters and replicas) not flagged failed. */
  up: number;
  /** Nodes flagged `fail`, by address. */
  down: string[];
  /** `cluster_state` of the node asked: `fail` means it refuses commands (a slot is not served). */
  ok: boolean;
}

/**
 * Once a second (https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/: a node is
 * flagged `fail?` after cluster-node-timeout, 15 s by default, so a check a second adds little) and
 * right after ioredis reports a node error, asks the Cluster for `CLUSTER INFO` and `CLUSTER NODES`.
 *
 * Why: ioredis's Cluster client stays `ready` while a node is dead (it still reaches the others),
 * so without this a dead node showed nowhere: not in readiness, metrics or logs (issue 20).
 */
export class ClusterHealth {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private last: ClusterNodesState | undefined;
  private readonly nodeErrors = new Set<string>();

  constructor(
    private readonly client: Cluster,
    private readonly log: Logger,
    private readonly periodMs = 1000,
  ) {
    client.on('node error', (error: Error, address: string) => {
      if (!this.nodeErrors.has(address)) {
        this.nodeErrors.add(address);
        this.log.warn({ node: address, err: error.message }, 'Redis Cluster node error');
      }
      void this.check();
    });
  }

  /** The last answer, or undefined before the first (or while no node answers). */
  state(): ClusterNodesState | undefined {
    return this.last;
  }

  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking || this.client.status !== 'ready') return;
    this.checking = true;
    try {
      const [info, nodes] = await Promise.all([
        this.client.call('CLUSTER', 'INFO') as Promise<string>,
        this.client.call('CLUSTER', 'NODES') as Promise<string>,
      ]);
      const all = parseClusterNodes(nodes);
      const next: ClusterNodesState = {
        up: all.filter((n) => !n.failed).length,
        down: all.filter((n) => n.failed).map((n) => n.address),
        ok: /cluster_state:ok/.test(info),
      };
      this.report(next);
      this.last = next;
    } catch {
      // The node asked is the dead one, or the cluster is mid-failover: the next check asks again.
    } finally {
      this.checking = false;
    }
  }

  /** Logs state changes once each: a node down or back, the cluster refusing commands or serving again. */
  private report(next: ClusterNodesState): void {
    const before = this.last;
    const wasDown = new Set(before?.down ?? []);
    const nowDown = new Set(next.down);
    for (const node of nowDown) {
      if (!wasDown.has(node)) this.log.warn({ node, up: next.up }, 'Redis Cluster node down');
    }
    for (const node of wasDown) {
      if (!nowDown.has(node)) this.log.info({ node, up: next.up }, 'Redis Cluster node back');
    }
    if (nowDown.size === 0) this.nodeErrors.clear();
    if (before?.ok !== false && !next.ok) {
      this.log.warn(
        { down: next.down },
        'Redis Cluster state fail: it refuses commands until every slot is served',
      );
    } else if (before?.ok === false && next.ok) this.log.info('Redis Cluster state ok again');
  }
}
