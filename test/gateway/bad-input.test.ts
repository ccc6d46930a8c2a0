import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { freePort } from '../../lib/free-port.ts';
import { startInProcessExecutor } from '../support/executors.ts';
import { AUTH, call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

const LIMIT = 1024 * 1024;

/** Sends raw bytes on a new connection and resolves with everything the server wrote until it closed. */
function rawExchange(port: number, chunks: Array<string | { waitMs: number }>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
    socket.once('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        if (typeof chunk === 'string') socket.write(chunk);
        else await new Promise((r) => setTimeout(r, chunk.waitMs));
      }
    });
  });
}

describe('bad input: each answered with a JSON error, and the gateway keeps serving', () => {
  let exec: RunningExecutor;
  let gw: TestGateway;

  beforeAll(async () => {
    exec = await startInProcessExecutor({ mode: 'simulated', port: 0 });
    const options = {
      executors: [exec.url],
      bodyLimit: LIMIT,
      headersTimeout: 1_000,
      requestTimeout: 2_000,
    };
    gw = await startTestGateway({ options });
  });

  afterAll(async () => {
    await gw?.close();
    await exec?.close();
  });

  const execute = (path: string, opts: Parameters<typeof call>[3] = {}) =>
    call(gw.url, 'POST', path, { body: simExecution(), headers: { accept: 'application/json' }, ...opts });

  it.each([
    ['no Authorization header', null],
    ['a wrong secret', 'Bearer nope'],
    ['another scheme', 'Basic Z2F0ZXdheS10ZXN0LXNlY3JldA=='],
  ])('401 Incorrect proxy key. for %s', async (_name, auth) => {
    const res = await execute('/v1/runtimes/rt/executions', { auth });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'Incorrect proxy key.', type: 'general_unauthorized' });
    expect(typeof res.body.version).toBe('string');
  });

  it('400 for an unknown addressing method', async () => {
    const res = await execute('/v1/runtimes/rt/executions', {
      headers: { accept: 'application/json', 'x-opr-addressing-method': 'anycast-random' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('anycast-random');
  });

  it.each([
    ['a header id with a space', '/v1/runtimes/rt/executions', { 'x-opr-runtime-id': 'a b' }],
    ['a header id of 65 characters', '/v1/runtimes/rt/executions', { 'x-opr-runtime-id': 'x'.repeat(65) }],
    ['a path id with an encoded slash', '/v1/runtimes/a%2Fb/executions', {}],
    ['a path id with a non-ASCII letter', '/v1/runtimes/%C3%A9t%C3%A9/executions', {}],
  ])('400 for %s', async (_name, path, headers) => {
    const res = await execute(path, { headers: { accept: 'application/json', ...headers } });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Invalid runtime id/);
  });

  it('400 for a bad runtimeId in a create body, JSON or multipart', async () => {
    const json = await call(gw.url, 'POST', '/v1/runtimes', {
      body: { runtimeId: 'no/slashes', image: 'x' },
    });
    expect(json.status).toBe(400);
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\nbad id!\r\n--${boundary}--\r\n`;
    const multipart = await call(gw.url, 'POST', '/v1/runtimes', {
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(multipart.status).toBe(400);
  });

  it.each([
    ['no boundary', 'multipart/form-data', '--x\r\n\r\n'],
    [
      'a truncated part',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="runtimeId"\r\n\r\nrt',
    ],
    ['no opening boundary', 'multipart/form-data; boundary=x', 'just text'],
  ])('400 for malformed multipart on the create route: %s', async (_name, type, body) => {
    const res = await call(gw.url, 'POST', '/v1/runtimes', { body, headers: { 'content-type': type } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'general_argument_invalid' });
    expect(res.body.message).toMatch(/Malformed multipart/);
  });

  it('413 for a body over the limit, with a length or chunked', async () => {
    const big = Buffer.alloc(LIMIT + 1, 97);
    const withLength = await call(gw.url, 'POST', '/v1/runtimes/rt/executions', { body: big });
    expect(withLength.status).toBe(413);
    expect(withLength.body).toMatchObject({ type: 'body_too_large' });
    async function* chunks() {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(LIMIT / 4, 97);
    }
    const { request } = await import('undici');
    const chunked = await request(`${gw.url}/v1/runtimes/rt/executions`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: Readable.from(chunks()),
    });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
    expect((await execute('/v1/runtimes/after-413/executions')).status).toBe(200);
  });

  it('413 to a client that keeps uploading a chunked body far past the limit: no stall, no reset, the connection stays usable', async () => {
    const path = '/v1/runtimes/rt/executions';
    const port = Number(new URL(gw.url).port);
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let error: string | undefined;
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    await once(socket, 'connect');
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    // 8× the limit, written with backpressure: without the gateway reading on after its 413 the
    // upload stalls once the socket buffers are full and ends in a reset.
    const chunk = Buffer.alloc(64 * 1024, 97);
    for (let sent = 0; sent < 8 * LIMIT && error === undefined; sent += chunk.length) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      if (!socket.write('\r\n')) await once(socket, 'drain');
    }
    // Then a second request on the same connection.
    socket.write('0\r\n\r\nGET /v1/proxy/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('both answers', () => /HTTP\/1\.1 200[\s\S]*OK$/.test(received) || error !== undefined);
    socket.destroy();
    expect(error).toBeUndefined();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('"code":413,"type":"body_too_large"');
    expect(received).toMatch(/\r\n\r\n[\s\S]*HTTP\/1\.1 200 /);
  });

  it('cuts off a slowloris client that never finishes its headers', async () => {
    const port = Number(new URL(gw.url).port);
    const answer = await rawExchange(port, [
      'POST /v1/runtimes/rt/executions HTTP/1.1\r\nHost: x\r\n',
      { waitMs: 500 },
      'X-Slow: 1\r\n',
      { waitMs: 5_000 },
      'X-Never: 1\r\n\r\n',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client that stops sending its body', async () => {
    const port = Number(new URL(gw.url).port);
    const answer = await rawExchange(port, [
      `POST /v1/runtimes/rt/executions HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"body":"`,
      { waitMs: 6_000 },
    ]);
    // Either an error answer or a closed connection, within the request timeout: never a hang.
    expect(answer === '' || /^HTTP\/1\.1 (408|502|504|400)/.test(answer)).toBe(true);
    expect((await execute('/v1/runtimes/after-slow/executions')).status).toBe(200);
  });

  it('400 for an absolute-form request target; nothing is sent to the named address', async () => {
    let contacted = false;
    const evil = createHttpServer((_req, res) => {
      contacted = true;
      res.end();
    });
    const evilPort = await freePort();
    await new Promise<void>((r) => evil.listen(evilPort, '127.0.0.1', r));
    try {
      const port = Number(new URL(gw.url).port);
      const answer = await rawExchange(port, [
        `GET http://127.0.0.1:${evilPort}/v1/runtimes HTTP/1.1\r\nHost: 127.0.0.1:${evilPort}\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`,
      ]);
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(contacted).toBe(false);
    } finally {
      await new Promise((r) => evil.close(r));
    }
  });

  it('still serves good requests after all of the above', async () => {
    expect((await execute('/v1/runtimes/fine/executions')).status).toBe(200);
    expect((await call(gw.url, 'GET', '/v1/proxy/health', { auth: null })).text).toBe('OK');
  });
});

describe('no usable host', () => {
  it('503 no_hosts when the fleet is empty', async () => {
    const gw = await startTestGateway();
    try {
      const res = await call(gw.url, 'POST', '/v1/runtimes/rt/executions', { body: simExecution() });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ type: 'no_hosts' });
      expect((await call(gw.url, 'GET', '/readyz', { auth: null })).status).toBe(503);
    } finally {
      await gw.close();
    }
  });

  it('502 after trying every configured host when none accepts a connection', async () => {
    const ports = [await freePort(), await freePort()];
    const gw = await startTestGateway({ options: { executors: ports.map((p) => `127.0.0.1:${p}`) } });
    try {
      const res = await call(gw.url, 'POST', '/v1/runtimes/rt/executions', { body: simExecution() });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ type: 'upstream_unreachable' });
      expect(res.body.message).toContain('2 tried');
      // One retry (the second host), and a connect error counted against each host.
      const metrics = await call(gw.url, 'GET', '/metrics');
      expect(metrics.text).toMatch(/^fleetgate_gateway_retries_total 1$/m);
      for (const p of ports) {
        expect(metrics.text).toMatch(
          new RegExp(
            `^fleetgate_gateway_upstream_errors_total\\{host="127\\.0\\.0\\.1:${p}",kind="connect"\\} 1$`,
            'm',
          ),
        );
      }
    } finally {
      await gw.close();
    }
  });
});
