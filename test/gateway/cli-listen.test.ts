import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/executors.ts';

describe('fleetgate gateway on a port that is taken', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('exits 1 and names the address and the error instead of staying up idle', async () => {
    const child = spawn(
      process.execPath,
      ['bin/fleetgate.js', 'gateway', '--host', '127.0.0.1', '--port', String(port)],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, OPR_PROXY_SECRET: 'listen-test-secret' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(stderr).not.toContain('listen-test-secret');
  });
});
