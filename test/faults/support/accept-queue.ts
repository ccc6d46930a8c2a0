import { spawnSync } from 'node:child_process';
import { requireBinary } from '../../support/processes.ts';

/**
 * Connections waiting in the accept queue of the TCP listener on 127.0.0.1:`port` (the Recv-Q of
 * its LISTEN line in `ss -ltn`): connected by the kernel, not accepted by the process yet. Throws
 * when `ss` is missing or shows no such listener, so that a wait on it cannot pass by reading zero.
 */
export function acceptQueue(port: number): number {
  requireBinary('ss', 'iproute2');
  const r = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  if (r.status !== 0 || r.error)
    throw new Error(`ss -ltn failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('LISTEN') && l.includes(`:${port} `));
  if (!line) throw new Error(`no listener on port ${port} in ss -ltn: ${r.stdout.slice(0, 200)}`);
  return Number(line.trim().split(/\s+/)[1]);
}
