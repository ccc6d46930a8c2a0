import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../lib/free-port.ts';

/** How `fleetgate` is started: compiled (`node dist/cli/entry.js`) or through tsx (`node bin/fleetgate.js` in a checkout). */
export interface Variant {
  name: 'compiled' | 'tsx';
  entry: string;
}

/** Milliseconds from spawning `node …args` to its exit (it must exit 0). */
export function timeCommand(args: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return ms;
}

/**
 * Milliseconds from spawning a server (`node entry <command> …`) to the first 200 of `path` on its
 * port (polled every 5 ms), then stops it with SIGTERM and waits for its exit.
 */
export async function timeToHealthy(
  entry: string,
  command: (port: number) => string[],
  path: string,
  env: NodeJS.ProcessEnv,
  headers: Record<string, string> = {},
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [entry, ...command(port)], { env, stdio: 'ignore' });
  const exited = once(child, 'exit');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command(port).join(' ')} exited ${child.exitCode}`);
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers }).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.status === 200) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error(`${path} not healthy after 30 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}
