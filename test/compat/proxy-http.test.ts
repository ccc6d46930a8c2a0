import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import {
  type CountingEndpoint,
  type MockExecutor,
  startCountingEndpoint,
  startMockExecutor,
} from './support/mock-executor.ts';
import { type ProxyGateway, startProxyGateway } from './support/proxy-gateway.ts';

/**
 * open-runtimes/proxy 0.6.3's own HTTP suite (tests/HTTPTest.php), ported: the same environment
 * (.env: OPR_PROXY_ENV=development, the same secrets) and two mock executors in place of its two
 * Mockoon containers, against `fleetgate gateway` started with that environment alone. Plus what the
 * proxy does that its suite does not check: authenticated health probes, OPR_PROXY_HEALTHCHECK_URL,
 * the error body shape, and no hostname header outside development mode.
 */
const PROXY_SECRET = 'proxy-secret-key';
const EXECUTOR_SECRET = 'executor-secret-key';
const AUTH = { authorization: `Bearer ${PROXY_SECRET}` };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers: { ...AUTH, ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function proxyEnv(executors: MockExecutor[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    OPR_PROXY_ALGORITHM: 'random',
    OPR_PROXY_EXECUTORS: executors.map((e) => e.address).join(','),
    OPR_PROXY_HEALTHCHECK_INTERVAL: '200',
    OPR_PROXY_MAX_TIMEOUT: '600',
    OPR_PROXY_ENV: 'development',
    OPR_PROXY_SECRET: PROXY_SECRET,
    OPR_PROXY_EXECUTOR_SECRET: EXECUTOR_SECRET,
    ...extra,
  };
}

describe('open-runtimes/proxy HTTPTest, in development mode', () => {
  let mocks: MockExecutor[];
  let healthUrl: CountingEndpoint;
  let gw: ProxyGateway;

  beforeAll(async () => {
    mocks = [await startMockExecutor(EXECUTOR_SECRET), await startMockExecutor(EXECUTOR_SECRET)];
    healthUrl = await startCountingEndpoint();
    gw = await startProxyGateway(proxyEnv(mocks, { OPR_PROXY_HEALTHCHECK_URL: healthUrl.url }));
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([...(mocks ?? []).map((m) => m.close()), healthUrl?.close()]);
  });

  it('testHealthEndpoint: GET /v1/proxy/health answers 200 OK', async () => {
    const res = await call(gw.url, '/v1/proxy/health');
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
  });

  it('testBalancer: requests reach an executor with the executor secret and its hostname', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await call(gw.url, '/v1/ping');
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { ping: string; server: string; secret: string };
      expect(body.ping).toBe('pong');
      expect(mocks.map((m) => m.address)).toContain(body.server);
      expect(body.secret).toBe(`Bearer ${EXECUTOR_SECRET}`);
    }
  });

  it('testBalancer: a wrong proxy secret is 401 with the proxy error body', async () => {
    const res = await call(gw.url, '/v1/ping', { authorization: 'Bearer wrong-proxy-secret-key' });
    expect(res.status).toBe(401);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.message).toBe('Incorrect proxy key.');
    expect(body.code).toBe(401);
    expect(typeof body.version).toBe('string');
  });

  it('the proxy key is the second word of Authorization, whatever the scheme', async () => {
    const res = await call(gw.url, '/v1/ping', { authorization: `Token ${PROXY_SECRET}` });
    expect(res.status).toBe(200);
  });

  it('testAddressingMethods: anycast-efficient and anycast-fast reach one executor', async () => {
    for (const method of ['anycast-efficient', 'anycast-fast']) {
      const res = await call(gw.url, '/v1/ping', { 'x-opr-addressing-method': method });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { ping: string; server: string; secret: string };
      expect(body.ping).toBe('pong');
      expect(mocks.map((m) => m.address)).toContain(body.server);
      expect(body.secret).toBe(`Bearer ${EXECUTOR_SECRET}`);
    }
  });

  it('testAddressingMethods: broadcast answers 204 with an empty body', async () => {
    const before = mocks.map((m) => m.seen.filter((r) => r.url === '/v1/ping').length);
    const res = await call(gw.url, '/v1/ping', { 'x-opr-addressing-method': 'broadcast' });
    expect(res.status).toBe(204);
    expect(res.headers.get('content-length') ?? '0').toBe('0');
    expect(res.text).toBe('');
    // Every executor got it.
    mocks.forEach((m, i) => {
      expect(m.seen.filter((r) => r.url === '/v1/ping').length).toBe(before[i]! + 1);
    });
  });

  it("passes the client's Host header to the executor, as the proxy does", async () => {
    const res = await request(`${gw.url}/v1/ping`, {
      headers: { ...AUTH, host: 'functions.example.test', 'x-trace': 'host-check' },
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const seen = mocks.flatMap((m) => m.seen).find((r) => r.headers['x-trace'] === 'host-check');
    expect(seen?.headers.host).toBe('functions.example.test');
  });

  it('health probes carry Authorization: Bearer <executor secret>', async () => {
    for (const m of mocks) {
      const probe = await m.waitFor((r) => r.url === '/v1/health', 'a health probe');
      expect(probe.headers.authorization).toBe(`Bearer ${EXECUTOR_SECRET}`);
    }
  });

  it('OPR_PROXY_HEALTHCHECK_URL is called after health checks in which every executor was healthy', async () => {
    await healthUrl.waitForHits(2);
    expect(healthUrl.hits[0]?.method).toBe('GET');
  });
});

describe('open-runtimes/proxy behaviour outside development mode', () => {
  let mock: MockExecutor;
  let healthUrl: CountingEndpoint;
  let gw: ProxyGateway;
  let deadAddress: string;

  beforeAll(async () => {
    mock = await startMockExecutor(EXECUTOR_SECRET);
    healthUrl = await startCountingEndpoint();
    // A port nothing listens on: an executor that is down.
    deadAddress = `127.0.0.1:${await freePort()}`;
    const env = proxyEnv([mock], { OPR_PROXY_HEALTHCHECK_URL: healthUrl.url });
    env.OPR_PROXY_EXECUTORS = `${mock.address},${deadAddress}`;
    delete env.OPR_PROXY_ENV;
    gw = await startProxyGateway(env);
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all([mock?.close(), healthUrl?.close()]);
  });

  it('does not add x-opr-executor-hostname', async () => {
    // anycast-fast to a pool with a dead host: retry on the live one (Fleetgate) until it lands there.
    for (let i = 0; i < 4; i++) {
      const res = await call(gw.url, '/v1/ping');
      expect(res.status).toBe(200);
      expect((JSON.parse(res.text) as { server: string }).server).toBe('UNKNOWN');
    }
  });

  it('does not call OPR_PROXY_HEALTHCHECK_URL while an executor is down', async () => {
    // Let the live executor be probed several times: every one of those checks had a dead host.
    await mock.waitFor(
      () => mock.seen.filter((r) => r.url === '/v1/health').length >= 5,
      'five health probes',
    );
    expect(healthUrl.hits).toHaveLength(0);
  });

  it('broadcast with a dead executor still answers 2xx and names the host that failed', async () => {
    const res = await call(gw.url, '/v1/ping', { 'x-opr-addressing-method': 'broadcast' });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-fleetgate-broadcast-failed')).toContain(deadAddress);
  });
});

describe('open-runtimes/proxy error answers with every executor down', () => {
  let gw: ProxyGateway;

  beforeAll(async () => {
    const env = proxyEnv([]);
    env.OPR_PROXY_EXECUTORS = `127.0.0.1:${await freePort()}`;
    gw = await startProxyGateway(env);
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('a request no executor could take is a gateway error in the proxy body shape', async () => {
    const res = await call(gw.url, '/v1/ping');
    expect([502, 503]).toContain(res.status);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.code).toBe(res.status);
    expect(typeof body.message).toBe('string');
    expect(typeof body.version).toBe('string');
    expect(['upstream_unreachable', 'no_hosts']).toContain(body.type);
  });

  it('a broadcast no executor accepted is a 502 listing the failures', async () => {
    const res = await call(gw.url, '/v1/ping', { 'x-opr-addressing-method': 'broadcast' });
    expect(res.status).toBe(502);
    const body = JSON.parse(res.text) as { code: number; type: string; failures: unknown[] };
    expect(body).toMatchObject({ code: 502, type: 'broadcast_failed' });
    expect(body.failures).toHaveLength(1);
  });
});
