import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { startRedis, type TestRedis } from '../test/support/redis.ts';
import { createRegistry, type RegistryOptions } from './create-registry.ts';
import { poolKeys } from './keys.ts';
import { eventually, Recorder, registryContract, uniquePool } from './registry.contract.ts';
import type { HostRegistry } from './types.ts';

/** Small backoff and reload periods so outage tests converge in well under a second. */
const FAST: Partial<RegistryOptions> = {
  backoff: { baseMs: 20, maxMs: 200 },
  reloadIntervalMs: 200,
  commandTimeoutMs: 500,
};

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

registryContract('redis', () => ({
  connect: (clock) => createRegistry({ type: 'redis', url: redis.url, clock, ...FAST }),
}));

/** Captures a registry's JSON log lines. */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, raw, logger: createLogger({ destination, level: 'debug' }) };
}

describe('redis registry: Redis specifics', () => {
  const open: HostRegistry[] = [];
  const clients: Redis[] = [];
  const servers: TestRedis[] = [];
  const connect = (options: Partial<RegistryOptions> = {}) => {
    const r = createRegistry({ type: 'redis', url: redis.url, ...FAST, ...options });
    open.push(r);
    return r;
  };
  const raw = (url = redis.url) => {
    const client = new Redis(url);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it.each([
    ['the default prefix', undefined, 'fleetgate'],
    ['a custom prefix', 'acme:fg', 'acme:fg'],
  ])('stores hosts under %s with the pool in a hash tag', async (_label, keyPrefix, expected) => {
    const r = connect(keyPrefix ? { keyPrefix } : {});
    const pool = uniquePool();
    await r.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    const keys = poolKeys(pool, expected);
    expect(keys.hosts).toBe(`${expected}:{${pool}}:hosts`);
    const client = raw();
    expect(JSON.parse((await client.hget(keys.hosts, 'a')) ?? '{}')).toMatchObject({
      id: 'a',
      state: 'active',
    });
    expect(await client.get(keys.version)).toBe('1');
  });

  it('announces each new version on the pool channel, and nothing for a no-op write', async () => {
    const r = connect();
    const pool = uniquePool();
    const { changed } = poolKeys(pool);
    const sub = raw();
    const messages: string[] = [];
    sub.on('message', (_channel: string, message: string) => messages.push(message));
    await sub.subscribe(changed);
    await r.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    await r.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    await r.setState(pool, 'a', 'active');
    await r.deregister(pool, 'ghost');
    await r.setState(pool, 'a', 'draining');
    await eventually('two announcements', () => (messages.length >= 2 ? true : undefined));
    // A later write proves no stray announcement is still in flight.
    await r.deregister(pool, 'a');
    await eventually('three announcements', () => (messages.length >= 3 ? true : undefined));
    expect(messages).toEqual(['1', '2', '3']);
  });

  it('converges through the periodic reload when an announcement is lost', async () => {
    const r = connect({ reloadIntervalMs: 100 });
    const pool = uniquePool();
    const rec = new Recorder();
    r.watch(pool, rec.listener);
    await rec.atLeast(0);
    // Another writer that changes the data but never publishes (a lost message).
    const keys = poolKeys(pool);
    const client = raw();
    const host = {
      id: 'x',
      url: 'http://10.0.0.9:80',
      state: 'active',
      weight: 1,
      labels: {},
      provider: 'manual',
    };
    await client
      .multi()
      .hset(keys.hosts, 'x', JSON.stringify({ ...host, registeredAt: 1, updatedAt: 1 }))
      .incr(keys.version)
      .exec();
    expect((await rec.atLeast(1)).hosts.map((h) => h.id)).toEqual(['x']);
  });

  it('ignores (and logs once) an entry that is not a valid host', async () => {
    const { lines, logger } = captureLogs();
    const r = connect({ logger });
    const pool = uniquePool();
    await r.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    await raw().hset(poolKeys(pool).hosts, 'junk', 'not json');
    expect((await r.list(pool)).hosts.map((h) => h.id)).toEqual(['a']);
    await r.list(pool);
    expect(lines.filter((l) => l.msg === 'registry entry is not a valid host; ignored')).toHaveLength(1);
  });

  it('keeps the last view while Redis is down and recovers after it restarts on the same port', async () => {
    const server = await startRedis({ persist: true });
    servers.push(server);
    const { lines, logger } = captureLogs();
    const gateway = connect({ url: server.url, logger });
    const writer = connect({ url: server.url });
    const pool = uniquePool();
    const rec = new Recorder();
    gateway.watch(pool, rec.listener);
    await writer.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    await writer.register(pool, { id: 'b', url: 'http://10.0.0.2:80' });
    const before = await rec.atLeast(2);
    await eventually('healthy', () => (gateway.healthy() ? true : undefined));

    await server.kill();
    await eventually('unhealthy while Redis is down', () => (gateway.healthy() ? undefined : true));
    await expect(gateway.list(pool)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await expect(writer.register(pool, { id: 'c', url: 'http://10.0.0.3:80' })).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    });
    expect(rec.last()).toBe(before);

    await server.restart();
    await eventually('healthy after restart', () => (gateway.healthy() ? true : undefined));
    await writer.register(pool, { id: 'c', url: 'http://10.0.0.3:80' });
    expect((await rec.atLeast(3)).hosts.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(lines.some((l) => l.msg === 'reconnected to Redis')).toBe(true);
  });

  it('moves versions forward when Redis comes back empty (data lost), and converges on the new content', async () => {
    const server = await startRedis();
    servers.push(server);
    const gateway = connect({ url: server.url });
    const writer = connect({ url: server.url });
    const pool = uniquePool();
    const rec = new Recorder();
    gateway.watch(pool, rec.listener);
    await writer.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    await writer.register(pool, { id: 'b', url: 'http://10.0.0.2:80' });
    await rec.atLeast(2);

    await server.kill();
    await server.restart();
    await eventually('healthy after restart', () =>
      gateway.healthy() && writer.healthy() ? true : undefined,
    );
    await writer.register(pool, { id: 'c', url: 'http://10.0.0.3:80' });
    const last = await eventually('the new content', () => {
      const s = rec.last();
      return s && s.hosts.map((h) => h.id).join() === 'c' ? s : undefined;
    });
    expect(last.version).toBeGreaterThan(2);
    const versions = rec.versions();
    expect(versions.every((v, i) => i === 0 || v > (versions[i - 1] as number))).toBe(true);
  });

  it('a registry created while Redis is down does not crash, fails fast, retries with backoff and connects later', async () => {
    const server = await startRedis();
    servers.push(server);
    await server.stop();
    const { lines, raw: rawLines, logger } = captureLogs();
    const r = connect({ url: server.url, logger, backoff: { baseMs: 20, maxMs: 160 } });
    const rec = new Recorder();
    const pool = uniquePool();
    r.watch(pool, rec.listener);
    expect(r.healthy()).toBe(false);
    await expect(r.list(pool)).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${server.port}`),
    });
    // A burst of callers during the outage: each fails fast, none hangs, no listener leak warning.
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const burst = await Promise.all(Array.from({ length: 50 }, () => r.list(pool).catch((e: unknown) => e)));
    process.off('warning', onWarning);
    expect(burst.every((e) => (e as { code?: string }).code === 'REGISTRY_UNAVAILABLE')).toBe(true);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const delays = await eventually('five reconnect attempts', () => {
      const d = lines
        .filter((l) => l.msg === 'reconnecting to Redis' && l.role === 'command')
        .map((l) => l.delayMs);
      return d.length >= 5 ? (d as number[]) : undefined;
    });
    // Backoff: each delay is at least the jitter floor (80 %) of the doubled base, up to the cap.
    delays.slice(0, 4).forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(Math.min(160, 20 * 2 ** i) * 0.8);
    });
    expect(rec.seen).toEqual([]);

    await server.restart();
    await eventually('healthy once Redis is up', () => (r.healthy() ? true : undefined));
    await r.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    expect((await rec.atLeast(1)).hosts.map((h) => h.id)).toEqual(['a']);
    expect(lines.some((l) => l.msg === 'connected to Redis')).toBe(true);
    expect(rawLines.join('')).not.toContain('password');
  });

  it('connects with a password, and never logs or reports it', async () => {
    const server = await startRedis({ password: 'pw-s3cret' });
    servers.push(server);
    const good = connect({ url: server.url });
    const pool = uniquePool();
    await good.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    expect((await good.list(pool)).version).toBe(1);
    // registry.password overrides the URL's (here: none).
    const overridden = connect({ url: `redis://127.0.0.1:${server.port}`, password: 'pw-s3cret' });
    expect((await overridden.list(pool)).version).toBe(1);

    const { raw: rawLines, logger } = captureLogs();
    const wrongUrl = `redis://:wrong-pw@127.0.0.1:${server.port}`;
    const bad = connect({ url: wrongUrl, logger });
    const error = await bad.list(pool).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    expect(String((error as Error).message)).not.toContain('wrong-pw');
    expect(rawLines.join('')).not.toContain('wrong-pw');
    expect(bad.healthy()).toBe(false);
  });

  it('connects over TLS (rediss://) when it trusts the server certificate, and refuses an untrusted one', async () => {
    const server = await startRedis({ tls: true, password: 'tls-pw' });
    servers.push(server);
    expect(server.url).toMatch(/^rediss:\/\//);
    const trusting = connect({ url: server.url, tlsCaFile: server.caFile });
    const pool = uniquePool();
    await trusting.register(pool, { id: 'a', url: 'http://10.0.0.1:80' });
    expect((await trusting.list(pool)).hosts.map((h) => h.id)).toEqual(['a']);

    const { lines, logger } = captureLogs();
    const untrusting = connect({ url: server.url, logger });
    await expect(untrusting.list(pool)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await eventually('a certificate error in the log', () =>
      lines.some((l) => /certificate/i.test(String(l.err))) ? true : undefined,
    );
    expect(untrusting.healthy()).toBe(false);
  });
});
