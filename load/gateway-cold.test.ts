import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readColdRoutes, withGatewayColdRoutes } from './gateway-cold.ts';
import { LoadReport } from './report.ts';

const EXPOSITION = `# HELP fleetgate_gateway_cold_routes_total Routes to a host where the runtime was not warm.
# TYPE fleetgate_gateway_cold_routes_total counter
fleetgate_gateway_cold_routes_total{host="exec-1"} 4
fleetgate_gateway_cold_routes_total{host="exec-2"} 1
# TYPE other_total counter
other_total{host="exec-1"} 99
`;

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    if (req.headers.authorization !== 'Bearer tok') return void res.writeHead(401).end();
    res.end(EXPOSITION);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('readColdRoutes', () => {
  it('reads the counter per host', async () => {
    expect(await readColdRoutes(url, 'tok')).toEqual(
      new Map([
        ['exec-1', 4],
        ['exec-2', 1],
      ]),
    );
  });

  it('is undefined when /metrics is closed to us or absent', async () => {
    expect(await readColdRoutes(url, 'wrong')).toBeUndefined();
    expect(await readColdRoutes('http://127.0.0.1:1')).toBeUndefined();
  });
});

describe('withGatewayColdRoutes', () => {
  it('replaces inferred counts with the counter increase per host', () => {
    const r = new LoadReport();
    r.add({ runtimeId: 'a', latencyMs: 1, status: 200, host: 'exec-1' });
    r.add({ runtimeId: 'b', latencyMs: 1, status: 200, host: 'exec-2' });
    const s = withGatewayColdRoutes(
      r.summary(1000),
      new Map([['exec-1', 4]]),
      new Map([
        ['exec-1', 7],
        ['exec-2', 1],
      ]),
    );
    expect(s.coldSource).toBe('gateway');
    expect(s.coldRoutes).toBe(4);
    expect(s.hosts.map((h) => [h.host, h.coldRoutes])).toEqual([
      ['exec-1', 3],
      ['exec-2', 1],
    ]);
  });
});
