import { describe, expect, it } from 'vitest';
import { redactUrl } from '../lib/redact.ts';
import { parseHostPort } from './addresses.ts';

describe('parseHostPort', () => {
  it.each([
    ['executor', { host: 'executor', port: undefined }],
    ['executor-1:8080', { host: 'executor-1', port: 8080 }],
    ['10.0.0.2:80', { host: '10.0.0.2', port: 80 }],
    ['[::1]:9000', { host: '[::1]', port: 9000 }],
    ['my_service.internal', { host: 'my_service.internal', port: undefined }],
  ])('%j is a host[:port]', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each(['', 'http://x', 'host:0', 'host:70000', 'host:', 'a b', 'host/path', ':80', '-host', 'host:8o'])(
    '%j is not a host[:port]',
    (text) => {
      expect(parseHostPort(text)).toBeUndefined();
    },
  );
});

describe('redactUrl (lib/redact.ts) on Redis URLs', () => {
  it.each([
    ['redis://:hunter2@host:6379', 'redis://:********@host:6379'],
    ['rediss://user:hunter2@host', 'rediss://user:********@host'],
    ['redis-cluster://u:p@h1:1,h2:2', 'redis-cluster://u:********@h1:1,h2:2'],
    ['redis://host:6379', 'redis://host:6379'],
    ['redis://:p@ss@host', 'redis://:********@host'],
    // Redis reads a lone user part as the password (`redis://PASSWORD@host`).
    ['redis://hunter2@host', 'redis://********@host'],
    ['redis://host:6379/0?password=hunter2', 'redis://host:6379/0?password=********'],
  ])('%j is shown as %j', (text, masked) => {
    expect(redactUrl(text)).toBe(masked);
  });
});
