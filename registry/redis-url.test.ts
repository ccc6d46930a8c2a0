import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.ts';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://localhost', { kind: 'standalone', host: 'localhost', port: 6379, db: 0, tls: false }],
    ['redis://10.0.0.5:6380/2', { kind: 'standalone', host: '10.0.0.5', port: 6380, db: 2, tls: false }],
    ['redis://:p%40ss@h:1', { kind: 'standalone', host: 'h', port: 1, password: 'p@ss', tls: false }],
    ['redis://user:pw@h', { kind: 'standalone', host: 'h', username: 'user', password: 'pw', tls: false }],
    ['redis://legacy-secret@h', { kind: 'standalone', host: 'h', password: 'legacy-secret' }],
    [
      'rediss://:pw@redis.example.com:6380',
      { kind: 'standalone', host: 'redis.example.com', port: 6380, tls: true },
    ],
    ['redis://[::1]:7000', { kind: 'standalone', host: '::1', port: 7000 }],
    [
      'redis-cluster://a:7000,b:7001,c',
      {
        kind: 'cluster',
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
          { host: 'c', port: 6379 },
        ],
        tls: false,
      },
    ],
    [
      'rediss-cluster://:pw@a:7000',
      { kind: 'cluster', nodes: [{ host: 'a', port: 7000 }], password: 'pw', tls: true },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['http://h:6379', /scheme must be one of/],
    ['redis:/h', /expected scheme/],
    ['redis://', /each node must be host\[:port\]/],
    ['redis://h:0', /port must be 1-65535/],
    ['redis://h:99999', /port must be 1-65535/],
    ['redis://h:abc', /each node must be host\[:port\]/],
    ['redis://h/x', /database must be a number/],
    ['redis://a:1,b:2', /only redis-cluster/],
    ['redis-cluster://a:1/0', /cluster URL takes no database/],
    ['redis-cluster://a:1,,b:2', /each node must be host\[:port\]/],
    ['redis://h?tls=true', /query parameters/],
    ['redis://:%zz@h', /percent-encoding/],
  ])('rejects %s with REGISTRY_INVALID_CONFIG naming the URL', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(reason);
    try {
      parseRedisUrl(url);
    } catch (error) {
      expect(error).toMatchObject({ code: 'REGISTRY_INVALID_CONFIG' });
      expect((error as Error).message).toContain('registry.url: malformed Redis URL');
    }
  });

  // Issue 18 finding 3: errors echoed the URL (with `?password=`) or parts of it (a node, a scheme).
  it.each([
    'redis://:hunter2@h:0',
    'redis://hunter2@h:0',
    'redis://h:6379?password=hunter2',
    'redis-cluster://a:1,hunter2:x',
    'redis://h/hunter2',
    'hunter2://h',
    'redis://h:hunter2',
  ])('never echoes any part of the malformed URL %s', (url) => {
    let message = '';
    try {
      parseRedisUrl(url);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^registry\.url: malformed Redis URL: /);
    expect(message).not.toContain('hunter2');
  });
});
