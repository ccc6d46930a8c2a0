import { createServer, connect as netConnect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/create-registry.ts';
import type { HostRegistry } from '../../registry/types.ts';
import {
  FAULT_GATEWAY_SECRET,
  type GatewayProcess,
  startGatewayProcess,
} from '../faults/support/gateway-process.ts';
import { type RecordingHost, startRecordingHost } from '../faults/support/recording-host.ts';
import { rawExchange } from '../fuzz/support/http-reply.ts';
import { type ExecutorFleet, startExecutors, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';

const METRICS_TOKEN = 'metrics-token-5b1e9c';
const ADMIN_TOKEN = 'admin-token-c0ffee42';
const REDIS_PASSWORD = 'redis-pass-9d7c1a';
/** Every secret the gateway knows; none may appear in logs, answers or upstream requests where it does not belong. */
const SECRETS = {
  gateway: FAULT_GATEWAY_SECRET,
  executor: TEST_EXECUTOR_SECRET,
  metrics: METRICS_TOKEN,
  admin: ADMIN_TOKEN,
  redis: REDIS_PASSWORD,
};
const EXEC_BODY = JSON.stringify({ image: 'openruntimes/node:v5-22', source: '', entrypoint: 'index.mjs' });

// One gateway process (debug logs) with a password-protected Redis registry, a metrics token and an
// admin token, in front of one executor behind a recording host that keeps a transcript.
describe('gateway security', () => {
  let redis: TestRedis;
  let registry: HostRegistry;
  let fleet: ExecutorFleet;
  let host: RecordingHost;
  let gw: GatewayProcess;
  let canary: Server;
  let canaryConnections = 0;
  const bodies: string[] = [];

  const req = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { accept: 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, text };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    canary = createServer((s) => {
      canaryConnections++;
      s.destroy();
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    redis = await startRedis({ password: REDIS_PASSWORD });
    fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'sec' });
    host = await startRecordingHost(fleet.hosts[0]!.port);
    host.keepTranscript = true;
    registry = createRegistry({ type: 'redis', url: redis.url });
    await registry.register('default', { id: 'sec-0', url: `http://${host.address}` });
    gw = await startGatewayProcess({
      redisUrl: redis.url,
      metricsToken: METRICS_TOKEN,
      adminToken: ADMIN_TOKEN,
      logLevel: 'debug',
    });
  });

  afterAll(async () => {
    await gw?.stop();
    await registry?.close();
    await host?.close();
    await fleet?.stop();
    await redis?.stop();
    await new Promise((r) => canary?.close(r));
  });

  const ROUTES: Array<[string, string]> = [
    ['GET', '/v1/runtimes'],
    ['POST', '/v1/runtimes'],
    ['GET', '/v1/runtimes/sec-rt'],
    ['DELETE', '/v1/runtimes/sec-rt'],
    ['POST', '/v1/runtimes/sec-rt/executions'],
    ['POST', '/v1/runtimes/sec-rt/execution'],
    ['GET', '/v1/runtimes/sec-rt/logs?timeout=1'],
    ['POST', '/v1/runtimes/sec-rt/commands'],
    ['GET', '/v1/health'],
    ['GET', '/v1/fleet'],
    ['GET', '/metrics'],
    ['GET', '/anything/else'],
    ['PUT', '/'],
  ];
  // Wrong credentials that share a prefix with (or contain) the real secret, plus the other tokens.
  const WRONG: Array<[string, Record<string, string>]> = [
    ['none', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['secret minus its last character', bearer(FAULT_GATEWAY_SECRET.slice(0, -1))],
    ['secret plus a character', bearer(`${FAULT_GATEWAY_SECRET}x`)],
    ['secret in upper case', bearer(FAULT_GATEWAY_SECRET.toUpperCase())],
    // The key is the second space-separated word whatever the scheme (open-runtimes/proxy's rule),
    // so `Basic <secret>` is the secret; two spaces make the second word empty.
    ['secret after two spaces', { authorization: `Bearer  ${FAULT_GATEWAY_SECRET}` }],
    ['secret without a scheme', { authorization: FAULT_GATEWAY_SECRET }],
    ['the executor secret', bearer(TEST_EXECUTOR_SECRET)],
    [
      'secret in another header',
      { 'x-api-key': FAULT_GATEWAY_SECRET, 'proxy-authorization': `Bearer ${FAULT_GATEWAY_SECRET}` },
    ],
  ];

  it.each(ROUTES)(
    '%s %s answers 401 to every wrong credential and forwards nothing',
    async (method, path) => {
      const before = host.transcript.length;
      for (const [name, headers] of WRONG) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : EXEC_BODY;
        const res = await req(method, path, { ...headers, 'content-type': 'application/json' }, body);
        expect(res.status, `${name}: ${res.text}`).toBe(401);
      }
      // Health probes and placement resyncs run meanwhile; no client request may have reached the host.
      expect(host.transcript.slice(before)).not.toMatch(/x-fault-marker|sec-rt|\/anything|^PUT /m);
    },
  );

  it.each([
    ['/v1/proxy/health', 200],
    ['/healthz', 200],
    ['/readyz', 200],
  ])('health route %s answers without credentials', async (path, status) => {
    expect((await req('GET', path)).status).toBe(status);
  });

  it('admin and metrics endpoints need their own token', async () => {
    expect((await req('GET', '/metrics', bearer(FAULT_GATEWAY_SECRET))).status).toBe(401);
    expect((await req('GET', '/metrics', bearer(ADMIN_TOKEN))).status).toBe(401);
    expect((await req('GET', '/metrics', bearer(METRICS_TOKEN))).status).toBe(200);
    expect((await req('GET', '/v1/fleet', bearer(METRICS_TOKEN))).status).toBe(401);
    expect((await req('GET', '/v1/fleet', bearer(ADMIN_TOKEN))).status).toBe(200);
  });

  it("never forwards the client's Authorization: executors get the executor secret only", async () => {
    const marker = { 'x-fault-marker': 'auth-check', 'content-type': 'application/json' };
    const ok = bearer(FAULT_GATEWAY_SECRET);
    expect(
      (await req('POST', '/v1/runtimes/sec-auth/executions', { ...ok, ...marker }, EXEC_BODY)).status,
    ).toBe(200);
    expect((await req('GET', '/v1/runtimes', { ...ok, ...marker })).status).toBe(200);
    expect((await req('GET', '/v1/runtimes/sec-auth/logs?timeout=0', { ...ok, ...marker })).status).toBe(200);
    expect(
      (
        await req(
          'POST',
          '/v1/runtimes',
          { ...ok, ...marker },
          JSON.stringify({
            runtimeId: 'sec-create',
            image: 'openruntimes/node:v5-22',
            source: '',
            entrypoint: 'index.mjs',
          }),
        )
      ).status,
    ).toBeLessThan(300);
    expect(
      (
        await req('DELETE', '/v1/runtimes/sec-create', {
          ...ok,
          ...marker,
          'x-opr-addressing-method': 'broadcast',
        })
      ).status,
    ).toBe(204);
    // A second Authorization header and a Proxy-Authorization from the client are not passed on either.
    const raw = await rawExchange(gw.port, [
      Buffer.from(
        `POST /v1/runtimes/sec-auth/executions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${FAULT_GATEWAY_SECRET}\r\nProxy-Authorization: Bearer ${FAULT_GATEWAY_SECRET}\r\nx-fault-marker: raw\r\nContent-Type: application/json\r\nContent-Length: ${EXEC_BODY.length}\r\nConnection: close\r\n\r\n${EXEC_BODY}`,
      ),
    ]);
    expect(raw.responses.map((r) => r.status)).toEqual([200]);
    expect(host.transcript).toContain('x-fault-marker: raw');
    expect(host.transcript).toContain(`Bearer ${TEST_EXECUTOR_SECRET}`);
    expect(host.transcript).not.toContain(FAULT_GATEWAY_SECRET);
    expect(host.transcript).not.toMatch(/proxy-authorization/i);
  });

  it('never connects outside the registry, whatever the Host, forwarding headers, target form or runtime id', async () => {
    const canaryAddress = `127.0.0.1:${(canary.address() as { port: number }).port}`;
    const auth = `Authorization: Bearer ${FAULT_GATEWAY_SECRET}\r\n`;
    const attempts = [
      `GET http://${canaryAddress}/v1/runtimes HTTP/1.1\r\nHost: ${canaryAddress}\r\n${auth}\r\n`,
      `GET //${canaryAddress}/v1/runtimes HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
      `GET /v1/runtimes HTTP/1.1\r\nHost: ${canaryAddress}\r\n${auth}\r\n`,
      `GET /v1/runtimes HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Host: ${canaryAddress}\r\nForwarded: host=${canaryAddress}\r\n${auth}\r\n`,
      `GET /v1/runtimes/x HTTP/1.1\r\nHost: 127.0.0.1\r\nx-opr-runtime-id: ${canaryAddress}\r\n${auth}\r\n`,
      `GET /v1/runtimes/${encodeURIComponent(`http://${canaryAddress}`)} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
      `GET /v1/runtimes/@${canaryAddress} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
      `DELETE /v1/runtimes/x HTTP/1.1\r\nHost: ${canaryAddress}\r\nx-opr-addressing-method: broadcast\r\n${auth}\r\n`,
      `CONNECT ${canaryAddress} HTTP/1.1\r\nHost: ${canaryAddress}\r\n${auth}\r\n`,
      `GET /v1/runtimes HTTP/1.1\r\nHost: 127.0.0.1\r\nx-fleetgate-host: ${canaryAddress}\r\n${auth}\r\n`,
    ];
    for (const attempt of attempts) {
      const ex = await rawExchange(gw.port, [
        Buffer.from(attempt.replace(/\r\n\r\n$/, 'Connection: close\r\n\r\n')),
      ]);
      expect(['response', 'closed'], attempt).toContain(ex.kind);
    }
    expect(canaryConnections).toBe(0);
  });

  // Issue 18 finding 11: the gateway checked one runtime id and the executor ran another.
  const AUTH = `Authorization: Bearer ${FAULT_GATEWAY_SECRET}\r\n`;
  const rawRequest = async (head: string, body = '') => {
    const ex = await rawExchange(gw.port, [
      Buffer.from(
        `${head}Host: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      ),
    ]);
    return { status: ex.responses[0]?.status, body: ex.responses[0]?.body.toString() ?? '' };
  };
  it.each([
    '/v1/runtimes/zzz/../sec-dot/executions',
    '/v1/runtimes/zzz/%2e%2e/sec-dot/executions',
    '/v1/runtimes/zzz/%2E./sec-dot/executions',
    '/v1/runtimes/zzz/.%2e/sec-dot/executions',
    '/v1/runtimes/./sec-dot/executions',
    '/v1/runtimes/sec-dot/%2e/executions',
    '/v1/runtimes/zzz\\..\\sec-dot/executions',
  ])('refuses the dot-segment path %s with a 400 and forwards nothing', async (path) => {
    const before = host.transcript.length;
    const res = await rawRequest(
      `POST ${path} HTTP/1.1\r\n${AUTH}Content-Type: application/json\r\n`,
      EXEC_BODY,
    );
    expect(res.status, res.body).toBe(400);
    expect(res.body).toMatch(/segments|backslash/);
    expect(host.transcript.slice(before)).not.toContain('sec-dot');
  });

  it.each([
    ['x-opr-runtime-id', 'x-opr-runtime-id: sec-a\r\nx-opr-runtime-id: sec-b\r\n'],
    [
      'x-opr-addressing-method',
      'x-opr-addressing-method: anycast-fast\r\nx-opr-addressing-method: broadcast\r\n',
    ],
  ])('refuses a repeated %s header with a 400', async (name, headers) => {
    const before = host.transcript.length;
    const res = await rawRequest(
      `POST /v1/runtimes/sec-dup/executions HTTP/1.1\r\n${AUTH}${headers}Content-Type: application/json\r\n`,
      EXEC_BODY,
    );
    expect(res.status, res.body).toBe(400);
    expect(res.body).toContain(name);
    expect(host.transcript.slice(before)).not.toContain('sec-dup');
  });

  it('refuses a create whose multipart body repeats runtimeId', async () => {
    const form = new FormData();
    form.append('runtimeId', 'sec-first');
    form.append('runtimeId', 'sec-second');
    form.append('image', 'openruntimes/node:v5-22');
    const encoded = new Response(form);
    const before = host.transcript.length;
    const res = await req(
      'POST',
      '/v1/runtimes',
      { ...bearer(FAULT_GATEWAY_SECRET), 'content-type': encoded.headers.get('content-type')! },
      await encoded.text(),
    );
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain('repeated');
    expect(host.transcript.slice(before)).not.toContain('sec-second');
  });

  // Issue 18 finding 9: with ~1,000 client headers the executor dropped the gateway's own.
  it('answers 431 to a request with more headers than it forwards', async () => {
    // Short names: the 16 KiB header size limit must not be what refuses it.
    const many = Array.from({ length: 1021 }, (_, i) => `p${i}: 1\r\n`).join('');
    const before = host.transcript.length;
    // Host first: Node drops headers past its maxHeadersCount, and a request without Host is a 400.
    const ex = await rawExchange(gw.port, [
      Buffer.from(
        `POST /v1/runtimes/sec-many/executions HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH}${many}Content-Type: application/json\r\nContent-Length: ${EXEC_BODY.length}\r\nConnection: close\r\n\r\n${EXEC_BODY}`,
      ),
    ]);
    expect(ex.responses[0]?.status, ex.raw.toString('latin1').slice(0, 300)).toBe(431);
    expect(host.transcript.slice(before)).not.toContain('sec-many');
  });

  // Issue 18 findings 10 and 12.
  const firstBytes = (head: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = netConnect(gw.port, '127.0.0.1');
      socket.once('connect', () => socket.write(head));
      socket.once('data', (d) => {
        resolve(d.toString('latin1'));
        socket.destroy();
      });
      socket.once('error', reject);
      setTimeout(() => {
        resolve('(nothing within 5 s)');
        socket.destroy();
      }, 5_000).unref();
    });
  it.each([
    ['no Authorization', 'HTTP/1.1 401', ''],
    ['a wrong secret', 'HTTP/1.1 401', 'Authorization: Bearer nope\r\n'],
    ['a body over the limit', 'HTTP/1.1 413', AUTH],
    ['the secret', 'HTTP/1.1 100', AUTH],
  ])('answers Expect: 100-continue with %s by %s before any body is sent', async (name, first, auth) => {
    const length = name === 'a body over the limit' ? 100 * 1024 * 1024 : 10;
    const got = await firstBytes(
      `POST /v1/runtimes/sec-expect/executions HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(got.startsWith(first), got).toBe(true);
  });

  it.each([
    ['a forwarded route', 'POST /v1/runtimes/sec-twice/executions'],
    ['the admin route', 'GET /v1/fleet'],
  ])('refuses two Authorization headers on %s', async (_name, line) => {
    // The right credential second (a forwarded route read the last) and first (admin read the first).
    for (const pair of [
      ['Bearer nope', `Bearer ${line.startsWith('GET') ? ADMIN_TOKEN : FAULT_GATEWAY_SECRET}`],
      [`Bearer ${line.startsWith('GET') ? ADMIN_TOKEN : FAULT_GATEWAY_SECRET}`, 'Bearer nope'],
    ]) {
      const res = await rawRequest(
        `${line} HTTP/1.1\r\nAuthorization: ${pair[0]}\r\nAuthorization: ${pair[1]}\r\nContent-Type: application/json\r\n`,
        line.startsWith('GET') ? '' : EXEC_BODY,
      );
      expect(res.status, `${pair.join(' / ')}: ${res.body}`).toBe(401);
    }
  });

  // Issue 18 finding 12: buffered bodies (creates without an id header) had no concurrency cap.
  it('answers 503 instead of buffering more than four body limits at once, and recovers', async () => {
    const limit = 22 * 1024 * 1024;
    const held = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<ReturnType<typeof netConnect>>((resolve) => {
            const socket = netConnect(gw.port, '127.0.0.1', () => {
              socket.write(
                `POST /v1/runtimes HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH}Content-Type: application/json\r\nContent-Length: ${limit}\r\n\r\n{`,
              );
              resolve(socket);
            });
            socket.on('error', () => {});
          }),
      ),
    );
    const small = async () =>
      (await rawRequest(`POST /v1/runtimes HTTP/1.1\r\n${AUTH}Content-Type: application/json\r\n`, '{}'))
        .status;
    try {
      await waitFor(
        'a 503 while four large bodies are buffered',
        async () => (await small()) === 503,
        10_000,
      );
    } finally {
      for (const socket of held) socket.destroy();
    }
    await waitFor('buffering allowed again', async () => (await small()) !== 503, 10_000);
  });

  it('keeps every secret out of its logs, /v1/fleet, /metrics and error bodies', async () => {
    // Errors of several kinds first, so their bodies and log lines exist.
    await req('POST', '/v1/runtimes/bad id/executions', bearer(FAULT_GATEWAY_SECRET), EXEC_BODY);
    await req(
      'POST',
      '/v1/runtimes/x/executions',
      { ...bearer(FAULT_GATEWAY_SECRET), 'x-opr-addressing-method': 'nope' },
      EXEC_BODY,
    );
    await req('GET', '/v1/runtimes/sec-missing', bearer(FAULT_GATEWAY_SECRET));
    await req('GET', '/v1/fleet', bearer(ADMIN_TOKEN));
    await req('GET', '/metrics', bearer(METRICS_TOKEN));
    await req('GET', '/readyz');
    // Let the debug access log of those requests reach stdout.
    await waitFor(
      'the access log',
      () => gw.output().includes('sec-missing') || gw.output().includes('/v1/runtimes/:runtimeId'),
      5_000,
    ).catch(() => undefined);
    const leaks = (text: string) =>
      Object.entries(SECRETS)
        .filter(([, s]) => text.includes(s))
        .map(([name]) => name);
    expect(leaks(gw.output()), gw.output().slice(-2000)).toEqual([]);
    expect(bodies.length).toBeGreaterThan(50);
    expect(bodies.flatMap(leaks)).toEqual([]);
  });
});

describe('Redis with a password over TLS (rediss://)', () => {
  it("serves the gateway's registry", async () => {
    const redis = await startRedis({ tls: true, password: REDIS_PASSWORD });
    const fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'tls' });
    const registry = createRegistry({ type: 'redis', url: redis.url, tlsCaFile: redis.caFile! });
    let gw: GatewayProcess | undefined;
    try {
      expect(redis.url).toMatch(/^rediss:\/\/:.+@/);
      await registry.register('default', { id: 'tls-0', url: fleet.hosts[0]!.url });
      gw = await startGatewayProcess({ redisUrl: redis.url, redisCaFile: redis.caFile! });
      const res = await fetch(`${gw.url}/v1/runtimes/tls-rt/executions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${FAULT_GATEWAY_SECRET}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: EXEC_BODY,
      });
      expect(res.status, await res.text()).toBe(200);
      expect(res.headers.get('x-fleetgate-host')).toBe('tls-0');
      // A change made after start arrives over the same TLS connection (pub/sub).
      await registry.setState('default', 'tls-0', 'draining');
      await waitFor('the drain seen over TLS', async () => {
        const fleetView = await (
          await fetch(`${gw!.url}/v1/fleet`, { headers: { authorization: `Bearer ${FAULT_GATEWAY_SECRET}` } })
        ).json();
        return (fleetView as { hosts: Array<{ state: string }> }).hosts[0]?.state === 'draining';
      });
      expect(gw.output()).not.toContain(REDIS_PASSWORD);
    } finally {
      await gw?.stop();
      await registry.close();
      await fleet.stop();
      await redis.stop();
    }
  });
});
