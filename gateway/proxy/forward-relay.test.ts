import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type AddressInfo,
  connect,
  createServer as createTcpServer,
  type Server as TcpServer,
} from 'node:net';
import type { Readable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { BalancePlan, Lease } from '../balancer/balancer.ts';
import { GatewayError } from '../errors.ts';
import { type FailoverReport, forwardWithFailover, type HostSource } from './failover.ts';
import { createForwarder } from './forward.ts';

// A streamed execution body and a first host whose connection breaks before anything of the request
// was written to it: real sockets end to end, the hosts in the order given.

const PLAN: BalancePlan = {
  method: 'POST',
  route: '/v1/runtimes/:runtimeId/executions',
  key: 'rt',
  addressing: 'anycast-efficient',
};
const BODY = Buffer.from(JSON.stringify({ body: 'x'.repeat(3000), path: '/', method: 'POST' }));

interface Host {
  id: string;
  pool: Dispatcher;
}

/** Hands out the hosts in order, one per attempt. */
function inOrder(hosts: Host[], tried: string[]): HostSource {
  return {
    pick(_plan, previous) {
      const next = previous === undefined ? 0 : hosts.findIndex((h) => h.id === previous.host.id) + 1;
      const host = hosts[next];
      if (host === undefined) return undefined;
      tried.push(host.id);
      return { host, reason: 'hash', warm: false, release() {} } as unknown as Lease;
    },
  };
}

/** A gateway in miniature: the real forwarder and failover loop behind a Node HTTP server. */
async function gateway(hosts: Host[], tried: string[]): Promise<Server> {
  const forward = createForwarder({ hostHeader: true, shuttingDown: () => false });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const report: FailoverReport = { host: undefined, tries: 0, broken: undefined };
    forwardWithFailover(
      inOrder(hosts, tried),
      forward,
      PLAN,
      {
        method: 'POST',
        path: req.url ?? '/',
        headers: ['content-type', 'application/json', 'content-length', String(BODY.length)],
        body: req,
        res,
        peek404: false,
        deadline: 10_000,
        idleTimeout: 10_000,
      },
      2,
      report,
    ).catch((error: unknown) => {
      const code = error instanceof GatewayError ? error.code : 'other';
      res.writeHead(code === 'GW_UPSTREAM_FAILED' ? 502 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Sends the head of a POST now and its body when `release` resolves; resolves with the raw answer. */
function client(port: number, release: Promise<void>): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `POST /v1/runtimes/rt/executions HTTP/1.1\r\nhost: gw\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n`,
  );
  void release.then(() => socket.write(BODY));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

/** An executor stand-in that records the bodies it receives and answers 200. */
async function recordingHost(bodies: Buffer[]): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    bodies.push(Buffer.concat(chunks));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (s: Server | TcpServer) => (s.address() as AddressInfo).port;

describe('forwarding a streamed body with failover', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('a first host that resets the connection before anything was written: the second host gets the exact body, 200', async () => {
    // The first host resets its connection once undici has dispatched the request on it (onConnect
    // called, the head waiting for the first body chunk), and before the client sent that chunk.
    let dispatched: () => void = () => {};
    const onDispatched = new Promise<void>((r) => {
      dispatched = r;
    });
    const onSendHeaders = () => dispatched();
    subscribe('undici:client:sendHeaders', onSendHeaders);
    closers.push(() => void unsubscribe('undici:client:sendHeaders', onSendHeaders));
    const resets: number[] = [];
    const dead = createTcpServer((socket) => {
      void onDispatched.then(() => {
        resets.push(1);
        socket.resetAndDestroy();
      });
    });
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    closers.push(() => new Promise((r) => dead.close(r)));

    const bodies: Buffer[] = [];
    const live = await recordingHost(bodies);
    closers.push(() => new Promise((r) => live.close(r)));
    // The second host's connection is open (so the first attempt has ended): then the body is sent.
    const liveConnected = once(live, 'connection').then(() => undefined);

    const hosts: Host[] = [
      { id: 'dead', pool: new Pool(`http://127.0.0.1:${portOf(dead)}`) },
      { id: 'live', pool: new Pool(`http://127.0.0.1:${portOf(live)}`) },
    ];
    for (const h of hosts) closers.push(() => h.pool.close());
    const tried: string[] = [];
    const gw = await gateway(hosts, tried);
    closers.push(() => new Promise((r) => gw.close(r)));

    const answer = await client(portOf(gw), liveConnected);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('x-fleetgate-host: live');
    expect(tried).toEqual(['dead', 'live']);
    expect(resets).toEqual([1]);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.equals(BODY)).toBe(true);
  });

  it('a chunk taken by the first attempt and lost with its connection: 502 upstream_failed, never sent to the second host', async () => {
    // The first host's dispatcher takes one chunk of the body and fails without writing it, as undici
    // does when its socket is already destroyed.
    const taking = {
      dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
        const legacy = handler as unknown as {
          onConnect(abort: () => void): void;
          onError(error: Error): void;
        };
        legacy.onConnect(() => {});
        const body = _options.body as Readable;
        body.once('data', () => {
          body.pause();
          legacy.onError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
        });
        return true;
      },
    } as unknown as Dispatcher;

    const bodies: Buffer[] = [];
    const live = await recordingHost(bodies);
    closers.push(() => new Promise((r) => live.close(r)));
    const livePool = new Pool(`http://127.0.0.1:${portOf(live)}`);
    closers.push(() => livePool.close());
    const tried: string[] = [];
    const gw = await gateway(
      [
        { id: 'taker', pool: taking },
        { id: 'live', pool: livePool },
      ],
      tried,
    );
    closers.push(() => new Promise((r) => gw.close(r)));

    const answer = await client(portOf(gw), Promise.resolve());
    expect(answer).toMatch(/^HTTP\/1\.1 502 /);
    expect(answer).toContain('GW_UPSTREAM_FAILED');
    expect(tried).toEqual(['taker']);
    expect(bodies).toEqual([]);
  });
});
