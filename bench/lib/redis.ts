import { freePort } from '../../lib/free-port.ts';
import { startProcess, type Tracked, waitForPort } from './procs.ts';

/** A throwaway redis-server for one run: no persistence, loopback only. */
export interface BenchRedis {
  url: string;
  proc: Tracked;
}

/** Starts `redis-server` on a free port with persistence off. */
export async function startRedis(dir: string): Promise<BenchRedis> {
  const port = await freePort();
  const proc = startProcess(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { cwd: dir },
  );
  await waitForPort(port, 15_000, proc);
  return { url: `redis://127.0.0.1:${port}`, proc };
}
