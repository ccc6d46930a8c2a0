import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, call, startTestGateway, type TestGateway } from './harness.ts';

// Issue 14: `gateway.maxTimeout` is a total deadline for executions (a host trickling bytes cannot
// hold a request past it), while a log stream only has to keep bringing bytes (an idle bound).
// The upstream here is a bare HTTP server, the only way to trickle on purpose.

const MAX_TIMEOUT = 600;

/** A host that answers health and runtime listings, and trickles one byte every 50 ms on anything else. */
function tricklingHost(): { server: Server; closed: Promise<void>[] } {
  const closed: Promise<void>[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.url === '/v1/health') return void res.end('OK');
    if (req.method === 'GET' && req.url === '/v1/runtimes') {
      res.setHeader('content-type', 'application/json');
      return void res.end('[]');
    }
    // Executions trickle forever; a log stream trickles 30 bytes (1.5 s, past maxTimeout) and ends.
    const limit = req.url?.endsWith('/logs') ? 30 : Number.POSITIVE_INFINITY;
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      sent += 1;
      if (sent >= limit) {
        clearInterval(timer);
        res.end();
      }
    }, 50);
    closed.push(once(res, 'close').then(() => clearInterval(timer)));
  });
  return { server, closed };
}

describe('maxTimeout: a total deadline for executions, an idle bound for log streams', () => {
  let host: ReturnType<typeof tricklingHost>;
  let gw: TestGateway;

  beforeAll(async () => {
    host = tricklingHost();
    host.server.listen(0, '127.0.0.1');
    await once(host.server, 'listening');
    const port = (host.server.address() as AddressInfo).port;
    gw = await startTestGateway({ options: { executors: [`127.0.0.1:${port}`], maxTimeout: MAX_TIMEOUT } });
  });
  afterAll(async () => {
    await gw?.close();
    host?.server.closeAllConnections();
    host?.server.close();
  });

  it('cuts an execution whose host keeps trickling bytes: the client sees a broken response, the host a closed request', async () => {
    const before = host.closed.length;
    const res = await request(`${gw.url}/v1/runtimes/trickle/executions`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.statusCode).toBe(200);
    let received = 0;
    const failure = await (async () => {
      try {
        for await (const chunk of res.body) received += (chunk as Buffer).length;
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // Without the deadline the loop above never ends: each byte resets an idle timer.
    expect(failure).toBeInstanceOf(Error);
    expect(received).toBeGreaterThan(0);
    await host.closed[before];
    const metrics = await call(gw.url, 'GET', '/metrics');
    const id = gw.gateway.fleet.hosts[0]!.id;
    expect(metrics.text).toContain(`fleetgate_gateway_upstream_errors_total{host="${id}",kind="timeout"} 1`);
    expect(gw.gateway.fleet.hosts[0]!.inflight).toBe(0);
  });

  it('lets a log stream run past maxTimeout while bytes keep coming', async () => {
    const res = await request(`${gw.url}/v1/runtimes/trickle/logs`, { headers: { authorization: AUTH } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('x'.repeat(30));
    expect(gw.gateway.fleet.hosts[0]!.streams).toBe(0);
  });
});
