import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../config/load.ts';
import { silentLogger } from '../lib/logger.ts';
import { startRedis, type TestRedis } from '../test/support/redis.ts';
import {
  redisConnectionFromConfig,
  registryOptionsFromConfig,
  sharedRegistryFromConfig,
} from './from-config.ts';

const yaml = (text: string) => parseConfig({ text, env: {} });

describe('registry options from the configuration', () => {
  it.each<[string, string, Record<string, unknown>, object | undefined]>([
    ['memory by default', '', {}, undefined],
    ['memory, even with credentials set', 'registry: { password: pw }', {}, undefined],
    [
      'a URL with config-level credentials kept apart (they override the URL)',
      'registry: { type: redis, url: "redis://u0:p0@r:6379/2", username: u1, password: p1 }',
      {},
      { url: 'redis://u0:p0@r:6379/2', username: 'u1', password: 'p1' },
    ],
    [
      'TLS with a private CA',
      'registry: { type: redis, url: "rediss://r:6380", tlsCaFile: /etc/ca.pem }',
      {},
      { url: 'rediss://r:6380', tlsCaFile: '/etc/ca.pem' },
    ],
    [
      'Sentinel with the master password',
      'registry: { type: redis, sentinel: { name: m, sentinels: ["s1:26379"], password: sp }, password: mp }',
      {},
      { sentinel: { name: 'm', sentinels: ['s1:26379'], password: 'sp' }, password: 'mp' },
    ],
    [
      '--redis over a memory config selects Redis',
      '',
      { redisUrl: 'redis://cli:6379' },
      { url: 'redis://cli:6379' },
    ],
    [
      '--redis replaces url and sentinel but keeps the credentials',
      'registry: { type: redis, sentinel: { name: m, sentinels: ["s1:26379"] }, password: mp }',
      { redisUrl: 'redis://cli:6379', commandTimeoutMs: 3000 },
      { url: 'redis://cli:6379', password: 'mp', commandTimeoutMs: 3000 },
    ],
  ])('%s', (_name, text, overrides, expected) => {
    const connection = redisConnectionFromConfig(yaml(text).registry, overrides);
    expect(connection).toEqual(expected);
  });

  it('adds the key prefix and reload period for a Redis registry, and only the injected parts for memory', () => {
    const logger = silentLogger();
    const redis = yaml('registry: { type: redis, url: "redis://r", keyPrefix: fg1, reloadInterval: 7s }');
    expect(registryOptionsFromConfig(redis, { logger })).toEqual({
      type: 'redis',
      url: 'redis://r',
      keyPrefix: 'fg1',
      reloadIntervalMs: 7_000,
      logger,
    });
    expect(registryOptionsFromConfig(redis, {}, { reloadIntervalMs: 5_000 }).reloadIntervalMs).toBe(5_000);
    expect(registryOptionsFromConfig(yaml(''), { logger })).toEqual({ type: 'memory', logger });
    expect(sharedRegistryFromConfig(yaml(''))).toBeUndefined();
  });
});

// A private CA given only in the config file (relative to it) and a password only in the config: the
// registry built from it must trust the server and authenticate.
describe('a Redis registry from a config file, over TLS with a private CA and a password', () => {
  let server: TestRedis | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('connects with registry.tlsCaFile and registry.password', async () => {
    server = await startRedis({ tls: true, password: 'cfg-pw' });
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-from-config-'));
    copyFileSync(server.caFile!, join(dir, 'ca.pem'));
    const url = server.url.replace(/\/\/[^@/]*@/, '//');
    const file = join(dir, 'fleetgate.yaml');
    writeFileSync(file, `registry:\n  type: redis\n  url: ${url}\n  password: cfg-pw\n  tlsCaFile: ca.pem\n`);
    const config = await loadConfig({ file, env: {} });
    expect(config.registry.tlsCaFile).toBe(join(dir, 'ca.pem'));
    const registry = sharedRegistryFromConfig(config, { logger: silentLogger() })!;
    try {
      await registry.register('cfg', { id: 'a', url: 'http://10.0.0.1:80' });
      expect((await registry.list('cfg')).hosts.map((h) => h.id)).toEqual(['a']);
    } finally {
      await registry.close();
    }
  });
});
