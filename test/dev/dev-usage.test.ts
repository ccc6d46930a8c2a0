import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureIO } from '../cli/capture.ts';

// Bad input stops `fleetgate dev` before anything starts (no executor is spawned on these paths).
let busy: Server;
let busyPort: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
});

async function dev(argv: string[]) {
  const c = captureIO();
  const code = await main(['dev', ...argv], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('fleetgate dev: usage', () => {
  it.each([
    { argv: ['--mode', 'docker'], err: '--mode must be process or simulated, got "docker"' },
    { argv: ['--port', '70000'], err: '--port: expected a whole number from 0 to 65535, got "70000"' },
    { argv: ['--executors', '-1'], err: "--executors' argument is ambiguous" },
    { argv: ['--executors', 'two'], err: '--executors must be a whole number from 0 to 64, got "two"' },
    { argv: ['--redis', 'http://127.0.0.1:6379'], err: '--redis must be a redis:// or rediss:// URL' },
    {
      argv: ['--redis', 'redis://:hunter2@127.0.0.1:99999'],
      err: '--redis must be a redis:// or rediss:// URL (port must be 1-65535), got "redis://:********@127.0.0.1:99999"',
    },
    {
      argv: ['--redis', 'redis-cluster://127.0.0.1:1,127.0.0.1:2'],
      err: '--redis must be a redis:// or rediss:// URL, got "redis-cluster://127.0.0.1:1,127.0.0.1:2"',
    },
    { argv: ['--status-every', 'often'], err: '--status-every must be a duration' },
    {
      argv: ['--policy', '/no/such/policy.yaml'],
      err: '--policy: cannot read /no/such/policy.yaml (ENOENT)',
    },
    { argv: ['--policy', 'config/examples/policies/default.yaml'], err: 'the source must be gateway' },
    { argv: ['extra'], err: 'Unexpected argument' },
  ])('$argv → exit 2', async ({ argv, err }) => {
    const r = await dev(['--port', '0', ...argv]);
    expect(r.err).toContain(err);
    expect(r.err).not.toContain('hunter2');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });

  it('exits 1 naming the port when the gateway cannot listen', async () => {
    const r = await dev(['--port', String(busyPort)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `cannot listen on 127.0.0.1:${busyPort} (EADDRINUSE): choose another port with --port`,
    );
  });

  it('prints help with --help', async () => {
    const r = await dev(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: fleetgate dev [options]');
  });
});
