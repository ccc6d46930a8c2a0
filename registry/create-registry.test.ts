import { describe, expect, it } from 'vitest';
import { createRegistry, type RegistryOptions } from './create-registry.ts';
import { MemoryRegistry } from './memory-registry.ts';
import { RedisRegistry } from './redis-registry.ts';

describe('createRegistry', () => {
  it('builds the in-memory registry', async () => {
    const r = createRegistry({ type: 'memory' });
    expect(r).toBeInstanceOf(MemoryRegistry);
    await r.close();
  });

  it.each<[string, RegistryOptions, RegExp]>([
    [
      'an unknown type',
      { type: 'etcd' as 'redis' },
      /registry\.type: must be "memory" or "redis", got "etcd"/,
    ],
    ['redis without url or sentinel', { type: 'redis' }, /registry\.url: required/],
    [
      'a malformed URL',
      { type: 'redis', url: 'redis//h' },
      // Names the field and what is wrong, never the URL (it may hold a password).
      /^registry\.url: malformed Redis URL: expected scheme:\/\/\[user:password@\]host\[:port\]\[\/db\]$/,
    ],
    ['a non-Redis scheme', { type: 'redis', url: 'mysql://h' }, /scheme must be one of/],
    ['a prefix with braces', { type: 'memory', keyPrefix: 'a{b}' }, /registry\.keyPrefix/],
    [
      'a zero reload interval',
      { type: 'memory', reloadIntervalMs: 0 },
      /registry\.reloadInterval: must be > 0/,
    ],
    [
      'a sentinel without name',
      { type: 'redis', sentinel: { name: '', sentinels: ['h:26379'] } },
      /registry\.sentinel: name/,
    ],
    [
      'a sentinel without addresses',
      { type: 'redis', sentinel: { name: 'm', sentinels: [] } },
      /registry\.sentinel: sentinels: must list/,
    ],
    [
      'a bad sentinel address',
      { type: 'redis', sentinel: { name: 'm', sentinels: ['h:port'] } },
      /registry\.sentinel: sentinels: "h:port"/,
    ],
    [
      'a cluster URL with sentinel',
      { type: 'redis', url: 'redis-cluster://a:1', sentinel: { name: 'm', sentinels: ['h:1'] } },
      /registry\.sentinel: url: must be redis/,
    ],
  ])('rejects %s with REGISTRY_INVALID_CONFIG', (_label, options, message) => {
    expect(() => createRegistry(options)).toThrow(message);
    expect(() => createRegistry(options)).toThrow(
      expect.objectContaining({ code: 'REGISTRY_INVALID_CONFIG' }),
    );
  });

  it.each([['redis://127.0.0.1:1'], ['rediss://127.0.0.1:1'], ['redis-cluster://127.0.0.1:1,127.0.0.1:2']])(
    'returns a Redis registry for %s at once, even with nothing listening',
    async (url) => {
      const r = createRegistry({ type: 'redis', url });
      expect(r).toBeInstanceOf(RedisRegistry);
      expect(r.healthy()).toBe(false);
      await r.close();
    },
  );
});
