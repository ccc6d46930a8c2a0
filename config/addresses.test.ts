import { describe, expect, it } from 'vitest';
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
