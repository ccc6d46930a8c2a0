import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAge, hostsTable } from '../../cli/hosts-command.ts';
import { main } from '../../cli/main.ts';
import { freePort } from '../../lib/free-port.ts';
import type { FleetSnapshot } from '../../registry/types.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { captureIO } from './capture.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function hosts(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const c = captureIO(env);
  const code = await main(['hosts', ...argv], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('fleetgate hosts (real Redis)', () => {
  it('adds, lists, drains, activates and removes a host', async () => {
    const r = ['--redis', redis.url, '--pool', 'life'];
    expect(await hosts(['add', 'http://127.0.0.1:9001', '--weight', '2', ...r])).toEqual({
      code: 0,
      out: 'registered 127.0.0.1:9001 (http://127.0.0.1:9001) in pool life: active, weight 2\n',
      err: '',
    });
    expect(
      (await hosts(['add', 'http://10.0.0.7:80', '--id', 'exec-b', '--state', 'booting', ...r])).code,
    ).toBe(0);

    const listed = await hosts(['list', ...r]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^id\s+url\s+state\s+weight\s+age\s+provider\n/);
    expect(listed.out).toMatch(/127\.0\.0\.1:9001\s+http:\/\/127\.0\.0\.1:9001\s+active\s+2\s+\d+s\s+manual/);
    expect(listed.out).toMatch(/exec-b\s+http:\/\/10\.0\.0\.7:80\s+booting\s+1\s+\d+s/);

    expect(await hosts(['drain', 'exec-b', ...r])).toMatchObject({
      code: 0,
      out: 'exec-b in pool life is now draining\n',
    });
    expect(await hosts(['activate', 'exec-b', ...r])).toMatchObject({
      code: 0,
      out: 'exec-b in pool life is now active\n',
    });
    expect(await hosts(['remove', '127.0.0.1:9001', ...r])).toMatchObject({
      code: 0,
      out: 'removed 127.0.0.1:9001 from pool life\n',
    });

    const json = await hosts(['list', '--json', ...r]);
    const snapshot = JSON.parse(json.out) as FleetSnapshot;
    expect(snapshot.pool).toBe('life');
    expect(snapshot.hosts.map((h) => [h.id, h.state])).toEqual([['exec-b', 'active']]);
    expect(snapshot.version).toBeGreaterThanOrEqual(5);
  });

  it('reads the registry from the environment (OPR_PROXY_CONNECTIONS_STATE, FLEETGATE_POOL)', async () => {
    const env = { OPR_PROXY_CONNECTIONS_STATE: redis.url, FLEETGATE_POOL: 'fromenv' };
    expect((await hosts(['add', 'http://127.0.0.1:9100'], env)).code).toBe(0);
    const listed = await hosts(['list'], env);
    expect(listed.out).toContain('127.0.0.1:9100');
    expect((await hosts(['list', '--redis', redis.url])).out).toBe('no hosts in pool default\n');
  });

  it('reads the registry from a config file', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'fleetgate-hosts-'));
    try {
      const file = join(dir, 'fleetgate.yaml');
      await writeFile(file, `pool: cfg\nregistry:\n  type: redis\n  url: ${redis.url}\n  keyPrefix: other\n`);
      expect((await hosts(['add', 'http://127.0.0.1:9200', '--config', file])).code).toBe(0);
      expect((await hosts(['list', '--config', file])).out).toContain('127.0.0.1:9200');
      // Another key prefix is another registry.
      expect((await hosts(['list', '--redis', redis.url, '--pool', 'cfg'])).out).toBe(
        'no hosts in pool cfg\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    { argv: ['drain', 'ghost'], code: 1, err: 'fleetgate hosts drain: no host "ghost" in pool default' },
    { argv: ['remove', 'ghost'], code: 1, err: 'fleetgate hosts remove: no host "ghost" in pool default' },
    { argv: ['add', 'ftp://x:1'], code: 2, err: 'host.url: must be an http:// or https:// URL' },
    { argv: ['add', 'not a url'], code: 2, err: 'URL must be an http(s) URL' },
    { argv: ['add', 'http://h:1/base'], code: 2, err: 'host.url: must not have a path (got "/base")' },
    { argv: ['add'], code: 2, err: 'hosts add takes exactly one URL, got none' },
    { argv: ['drain', 'a', 'b'], code: 2, err: 'hosts drain takes exactly one host ID, got a b' },
    { argv: ['add', 'http://h:1', '--weight', '0'], code: 2, err: '--weight must be a number > 0, got "0"' },
    {
      argv: ['add', 'http://h:1', '--state', 'gone'],
      code: 2,
      err: '--state must be one of booting, active, draining',
    },
    { argv: ['list', '--weight', '2'], code: 2, err: '--weight only applies to hosts add' },
    { argv: ['frobnicate'], code: 2, err: 'unknown hosts command "frobnicate"' },
    { argv: ['list', '--pool', 'bad{pool}'], code: 1, err: 'pool: must be 1-64 characters' },
  ])('$argv → exit $code', async ({ argv, code, err }) => {
    const r = await hosts([...argv, '--redis', redis.url]);
    expect(r.code).toBe(code);
    expect(r.err).toContain(err);
    expect(r.out).toBe('');
  });

  it('exits 2 without a shared registry and 1 when Redis is unreachable', async () => {
    const none = await hosts(['list']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no shared registry given');
    const down = await hosts(['list', '--redis', `redis://127.0.0.1:${await freePort()}`]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/fleetgate hosts: .+/);
    expect(down.out).toBe('');
  });

  it('prints help with --help, and usage without a command', async () => {
    const help = await hosts(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: fleetgate hosts <list|add|drain|activate|remove>');
    const bare = await hosts([]);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('missing command');
  });
});

describe('hostsTable / formatAge', () => {
  it.each([
    { ms: 0, text: '0s' },
    { ms: 59_999, text: '59s' },
    { ms: 60_000, text: '1m' },
    { ms: 3_600_000, text: '1h' },
    { ms: 2 * 86_400_000, text: '2d' },
  ])('age $ms ms → $text', ({ ms, text }) => expect(formatAge(ms)).toBe(text));

  it('sorts hosts by id', () => {
    const host = (id: string) => ({
      id,
      url: `http://${id}:80`,
      state: 'active' as const,
      weight: 1,
      labels: {},
      provider: 'process',
      registeredAt: 0,
      updatedAt: 0,
    });
    const text = hostsTable({ pool: 'p', version: 2, hosts: [host('b'), host('a')] }, 90_000);
    expect(text.split('\n').slice(1, 3)).toEqual([
      'a   http://a:80  active  1       1m   process',
      'b   http://b:80  active  1       1m   process',
    ]);
  });
});
