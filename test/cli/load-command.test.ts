import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { freePort } from '../../lib/free-port.ts';
import type { LoadSummary } from '../../load/report.ts';
import { captureIO } from './capture.ts';

let server: Server;
let url: string;
const seen: Array<{ auth: string | undefined; runtime: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics') return void res.writeHead(404).end();
    seen.push({ auth: req.headers.authorization, runtime: req.headers['x-opr-runtime-id'] as string });
    req.resume();
    req.on('end', () => {
      res.setHeader('x-fleetgate-host', 'exec-1');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fleetgate load', () => {
  it('runs a short synthetic load and prints the summary as JSON', async () => {
    seen.length = 0;
    const c = captureIO({ FLEETGATE_GATEWAY_SECRET: 'from-env' });
    const code = await main(
      ['load', '--gateway', url, '--rps', '100', '--duration', '300ms', '--runtimes', '3', '--json'],
      c.io,
    );
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(c.out()) as LoadSummary;
    expect(summary).toMatchObject({ sent: 30, ok: 30, errors: 0, coldRoutes: 3, coldSource: 'inferred' });
    expect(summary.hosts.map((h) => h.host)).toEqual(['exec-1']);
    expect(seen.every((s) => s.auth === 'Bearer from-env')).toBe(true);
    expect(new Set(seen.map((s) => s.runtime))).toEqual(new Set(['load-0', 'load-1', 'load-2']));
  });

  it('prints a human summary with the per-host table', async () => {
    const c = captureIO();
    expect(
      await main(['load', '--gateway', url, '--rps', '50', '--duration', '200ms', '--secret', 's'], c.io),
    ).toBe(0);
    expect(c.err()).toContain(`50 req/s for 0.2 s over 20 runtimes (zipf 1) → ${url}`);
    expect(c.out()).toContain('requests     10 sent, 10 ok, 0 errors');
    expect(c.out()).toMatch(/host\s+requests\s+errors\s+cold routes\s+p50\s+p95\s+p99/);
    expect(c.out()).toMatch(/exec-1\s+10\s+0/);
  });

  it('exits 1 with the reason on stderr when nothing succeeds', async () => {
    const c = captureIO();
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await main(['load', '--gateway', closed, '--rps', '20', '--duration', '100ms'], c.io)).toBe(1);
    expect(c.err()).toContain('no request succeeded (ECONNREFUSED)');
  });

  it.each([
    { argv: ['--rps', 'lots'], message: '--rps must be a number > 0, got "lots"' },
    { argv: ['--nope'], message: "Unknown option '--nope'" },
    { argv: ['extra'], message: 'extra' },
    { argv: ['--trace', '/no/such/trace'], message: 'trace not found', code: 1 },
  ])('rejects $argv', async ({ argv, message, code }) => {
    const c = captureIO();
    expect(await main(['load', ...argv], c.io)).toBe(code ?? 2);
    expect(c.err()).toContain(message);
    expect(c.out()).toBe('');
  });

  it('prints help with --help', async () => {
    const c = captureIO();
    expect(await main(['load', '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: fleetgate load [options]');
    expect(c.out()).toContain('--trace PATH');
  });
});
