/** One line of `CLUSTER NODES` (https://redis.io/docs/latest/commands/cluster-nodes/). */
export interface ClusterNodeInfo {
  id: string;
  /** `host:port` the node announces. */
  address: string;
  port: number;
  master: boolean;
  /**
   * Flagged `fail`: the majority of masters agree it is down. (`fail?` is one node's suspicion and
   * differs between the nodes asked, so it is not counted.)
   */
  failed: boolean;
  /** Id of its master (replicas), else undefined. */
  masterId: string | undefined;
  /** Slot ranges it serves, `[first, last]`. */
  slots: [number, number][];
}

/** Parses the text of `CLUSTER NODES` (a bulk reply, with or without its RESP header). Pure. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^\$\d+/, ''))
    .filter((line) => /^[0-9a-f]{40} /.test(line))
    .map((line) => {
      const [id = '', rawAddress = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
      const address = rawAddress.split('@')[0] ?? '';
      return {
        id,
        address,
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
        master: flags.split(',').includes('master'),
        failed: flags.split(',').includes('fail'),
        masterId: master === '-' ? undefined : master,
        slots: slots
          .filter((s) => /^\d/.test(s))
          .map((s) => {
            const [a, b] = s.split('-').map(Number);
            return [a ?? 0, b ?? a ?? 0] as [number, number];
          }),
      };
    });
}
