import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { callExecutor, startInProcessExecutor } from '../test/support/executors.ts';
import type { RunningExecutor } from './server.ts';

// Clients that leave early, huge logs timeouts and request bodies on GET routes, over real sockets
// (bugs B3 and B4 of the reliability tests).
type Running = RunningExecutor & { secret: string };

const SIM = { mode: 'simulated' as const, simulated: { coldStart: { kind: 'fixed' as const, ms: 5 } } };

async function poll(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** A raw socket to the executor that records what it receives and whether the server closed it. */
function rawClient(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let data = '';
    let closed = false;
    const socket = connect(port, '127.0.0.1', () =>
      resolve({ socket, received: () => data, closed: () => closed }),
    );
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('executor: clients that go away, huge logs timeouts (real sockets)', () => {
  let ex: Running;
  const lines: { level: number; msg: string; err?: { code?: string } }[] = [];
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  const gauge = async (name: string) => {
    const text = (await callExecutor(ex.url, undefined, 'GET', '/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  };

  beforeAll(async () => {
    process.on('warning', onWarning);
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    ex = await startInProcessExecutor(
      { ...SIM, hostname: 'gone-host' },
      { logger: createLogger({ level: 'debug', destination }) },
    );
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await ex?.close();
  });

  // 27 645 bytes: the fuzz case; 4 MB: more than the socket buffers hold, so the client's FIN is
  // only seen when the executor reads (discards) the body.
  it.each([27_645, 4_000_000])(
    'closes a logs request for an absent runtime (huge timeout, %i-byte unread body) once the client half-closes',
    async (size) => {
      const client = await rawClient(ex.port);
      const body = 'x'.repeat(size);
      client.socket.write(
        `GET /v1/runtimes/never-there/logs?timeout=99999999999 HTTP/1.1\r\nHost: x\r\n` +
          `Authorization: Bearer ${ex.secret}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(await poll(async () => (await gauge('fleetgate_executor_log_streams')) === 1)).toBe(true);
      client.socket.end();
      // Node's requestTimeout (300 s) would be the only end without the fix.
      expect(await poll(client.closed)).toBe(true);
      // The wait for the runtime stopped too: no log stream is counted any more.
      expect(await poll(async () => (await gauge('fleetgate_executor_log_streams')) === 0)).toBe(true);
    },
  );

  it('keeps a log stream open for a timeout past 2^31 ms (no timer overflow) until the runtime stops', async () => {
    // A stream ends once its runtime is initialised: this one is still starting (an hour-long cold start).
    const slow = await startInProcessExecutor({
      mode: 'simulated',
      simulated: { coldStart: { kind: 'fixed', ms: 3_600_000 } },
    });
    onTestFinished(() => slow.close());
    const starting = callExecutor(slow.url, slow.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'long-logs',
      image: 'sim',
    });
    expect(
      await poll(
        async () =>
          (await callExecutor(slow.url, slow.secret, 'GET', '/v1/runtimes/long-logs')).status === 200,
      ),
    ).toBe(true);
    const client = await rawClient(slow.port);
    client.socket.write(
      `GET /v1/runtimes/long-logs/logs?timeout=99999999999 HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${ex.secret}\r\nConnection: close\r\n\r\n`,
    );
    // The runtime's output so far arrives first; then the stream stays open.
    expect(await poll(() => client.received().includes('\r\n\r\n'))).toBe(true);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(client.closed()).toBe(false);
    expect((await callExecutor(slow.url, slow.secret, 'DELETE', '/v1/runtimes/long-logs')).status).toBe(200);
    expect((await starting).status).toBe(400);
    // The stream ends with the runtime: chunked terminator, then the server closes (Connection: close).
    expect(await poll(client.closed)).toBe(true);
    expect(client.received().endsWith('0\r\n\r\n')).toBe(true);
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
  });

  it('logs a client that leaves mid-body of an execution at debug, never at error', async () => {
    const before = lines.length;
    const client = await rawClient(ex.port);
    client.socket.write(
      `POST /v1/runtimes/gone-exec/executions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ex.secret}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"image":"sim",',
    );
    // The route is reading the body when the client leaves with a reset.
    const inflight = 'fleetgate_executor_inflight_executions{mode="simulated"}';
    expect(await poll(async () => (await gauge(inflight)) === 1)).toBe(true);
    client.socket.resetAndDestroy();
    expect(await poll(async () => (await gauge(inflight)) === 0)).toBe(true);
    const logged = lines.slice(before);
    expect(
      logged.filter((l) => l.level >= 40),
      JSON.stringify(logged),
    ).toEqual([]);
    expect(
      logged.some((l) => l.level === 20 && l.msg === 'client went away'),
      JSON.stringify(logged),
    ).toBe(true);
  });
});
