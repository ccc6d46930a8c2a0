import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFleet } from '../../cli/dev/fleet-table.ts';
import { main } from '../../cli/main.ts';
import { createGateway, type RunningGateway, startGateway } from '../../gateway/index.ts';
import { systemClock } from '../../lib/clock.ts';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { LoadSummary } from '../../load/report.ts';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { captureIO } from './capture.ts';

// A real gateway on a real Redis registry, in front of a minimal executor: hosts are added with
// `fleetgate hosts add`, traffic comes from `fleetgate load`, and `fleetgate fleet` reads the result.
const SECRET = 'fleet-test-secret';
let redis: TestRedis;
let registry: HostRegistry;
let gateway: RunningGateway;
let gatewayUrl: string;
let executor: Server;
let executorUrl: string;

beforeAll(async () => {
  redis = await startRedis();
  executor = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/health') return void res.end('OK');
      if (req.url === '/v1/runtimes') return void res.end('[]');
      res.setHeader('content-type', 'application/json');
      res.end(
        '{"statusCode":200,"body":"","headers":{},"logs":"","errors":"","duration":0.001,"startTime":0}',
      );
    });
  });
  await new Promise<void>((resolve) => executor.listen(0, '127.0.0.1', resolve));
  executorUrl = `http://127.0.0.1:${(executor.address() as AddressInfo).port}`;
  registry = createRegistry({ type: 'redis', url: redis.url, reloadIntervalMs: 500 });
  const built = createGateway({
    registry,
    clock: systemClock,
    logger: silentLogger(),
    metricsRegistry: new Registry(),
    options: { host: '127.0.0.1', port: 0, secret: SECRET, healthCheck: { interval: 200 } },
    pool: 'default',
  });
  gateway = await startGateway(
    built,
    { host: '127.0.0.1', port: 0, headersTimeout: 10_000, requestTimeout: 60_000, shutdownTimeout: 2_000 },
    silentLogger(),
  );
  gatewayUrl = `http://127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway?.close();
  await registry?.close();
  executor?.closeAllConnections();
  await new Promise<void>((resolve) => (executor ? executor.close(() => resolve()) : resolve()));
  await redis?.stop();
});

async function cli(argv: string[]) {
  const c = captureIO();
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('fleetgate fleet against a real gateway on Redis', () => {
  it('shows a host added with `hosts add`, and the runtimes `load` warmed on it', async () => {
    const added = await cli(['hosts', 'add', executorUrl, '--id', 'exec-1', '--redis', redis.url]);
    expect(added.code).toBe(0);

    const ready = await waitFor('the gateway to see exec-1 healthy', async () => {
      const r = await cli(['fleet', '--gateway', gatewayUrl, '--secret', SECRET, '--json']);
      const report = r.code === 0 ? JSON.parse(r.out) : undefined;
      return report?.hosts?.find((h: { id: string; healthy: boolean }) => h.id === 'exec-1' && h.healthy);
    });
    expect(ready).toMatchObject({ url: executorUrl, state: 'active', ringShare: 1 });

    const load = await cli([
      'load',
      '--gateway',
      gatewayUrl,
      '--secret',
      SECRET,
      '--rps',
      '50',
      '--duration',
      '400ms',
      '--runtimes',
      '3',
      '--zipf',
      '0',
      '--json',
    ]);
    expect(load.code).toBe(0);
    const summary = JSON.parse(load.out) as LoadSummary;
    // The gateway's own counter: at least one cold route per runtime (more when a second request for a
    // runtime arrives before the first one's success taught the gateway where it is warm).
    expect(summary).toMatchObject({ sent: 20, ok: 20, errors: 0, coldSource: 'gateway' });
    expect(summary.coldRoutes).toBeGreaterThanOrEqual(3);
    expect(summary.hosts[0]?.coldRoutes).toBe(summary.coldRoutes);
    expect(summary.hosts.map((h) => h.host)).toEqual(['exec-1']);

    const shown = await cli(['fleet', '--gateway', gatewayUrl, '--secret', SECRET]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^pool default · registry v\d+ · 1 hosts · 0 in flight · 3 warm runtimes\n/);
    expect(shown.out).toMatch(/id\s+url\s+state\s+health\s+in-flight\s+ring share\s+warm\s+runtimes/);
    expect(shown.out).toMatch(
      /exec-1\s+http:\/\/127\.0\.0\.1:\d+\s+active\s+healthy\s+0\s+100\.0%\s+3\s+load-\d, load-\d, load-\d/,
    );

    expect((await cli(['hosts', 'drain', 'exec-1', '--redis', redis.url])).code).toBe(0);
    await waitFor('the gateway to see exec-1 draining', async () => {
      const r = await cli(['fleet', '--gateway', gatewayUrl, '--secret', SECRET]);
      return /exec-1\s+\S+\s+draining/.test(r.out) ? true : undefined;
    });
  });

  it.each([
    { name: 'a wrong secret', argv: () => ['--secret', 'nope'], err: 'refused the secret (401)' },
    { name: 'no secret', argv: () => [], err: 'give --secret or FLEETGATE_GATEWAY_SECRET' },
  ])('exits 1 with $name', async ({ argv, err }) => {
    const r = await cli(['fleet', '--gateway', gatewayUrl, ...argv()]);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toContain(err);
  });

  it('exits 1 when the gateway is unreachable and 2 on bad usage', async () => {
    const down = await cli(['fleet', '--gateway', `http://127.0.0.1:${await freePort()}`, '--secret', 's']);
    expect(down.code).toBe(1);
    expect(down.err).toContain('cannot reach the gateway at http://127.0.0.1:');
    expect(down.err).toContain('ECONNREFUSED');
    const bad = await cli(['fleet', '--gateway', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--gateway must be an http(s) URL');
    expect((await cli(['fleet', '--timeout', 'soon'])).code).toBe(2);
  });

  it('prints help with --help', async () => {
    const r = await cli(['fleet', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: fleetgate fleet [options]');
  });
});

describe('formatFleet', () => {
  it('summarises an empty and an unhealthy fleet', () => {
    expect(formatFleet({ pool: 'p', inflight: 0, hosts: [] })).toBe(
      'pool p · static hosts · 0 hosts · 0 in flight · 0 warm runtimes\nno hosts\n',
    );
    const text = formatFleet({
      pool: 'p',
      registry: { version: 7, stale: true },
      inflight: 2,
      hosts: [
        {
          id: 'h',
          url: 'http://h:1',
          state: 'active',
          healthy: false,
          lastError: 'ECONNREFUSED',
          inflight: 2,
          ringShare: 0.5,
          warmRuntimeCount: 5,
          warmRuntimes: ['a', 'b', 'c', 'd', 'e'],
        },
      ],
    });
    expect(text).toContain('registry v7 (STALE: routing on the last view)');
    const staticHost = {
      id: 's',
      url: 'http://s:1',
      state: 'active',
      source: 'static',
      healthy: true,
      inflight: 0,
      ringShare: 1,
      warmRuntimeCount: 0,
      warmRuntimes: [],
    };
    expect(
      formatFleet({ pool: 'p', registry: { version: 0, stale: false }, inflight: 0, hosts: [staticHost] }),
    ).toMatch(/^pool p · static hosts · 1 hosts/);
    expect(text).toMatch(
      /h\s+http:\/\/h:1\s+active\s+unhealthy \(ECONNREFUSED\)\s+2\s+50\.0%\s+5\s+a, b, c, \+2 more/,
    );
  });
});
