import { describe, expect, it } from 'vitest';
import { readRequestHeaders, responseHeaders } from './headers.ts';

describe('readRequestHeaders', () => {
  const raw = [
    'Host',
    'gw:80',
    'Authorization',
    'Bearer client-secret',
    'X-Opr-Runtime-Id',
    'rt-1',
    'x-opr-addressing-method',
    'broadcast',
    'Content-Type',
    'application/json',
    'Content-Length',
    '12',
    'Connection',
    'keep-alive, X-Private',
    'X-Private',
    'hop',
    'Keep-Alive',
    'timeout=5',
    'TE',
    'trailers',
    'X-Forwarded-For',
    '10.0.0.1',
    'X-Forwarded-Proto',
    'https',
    'Accept',
    'application/json',
  ];
  const h = readRequestHeaders(raw, 'Bearer executor-secret', '127.0.0.1', 'http');

  it('reads what routing needs', () => {
    expect(h).toMatchObject({
      authorization: 'Bearer client-secret',
      runtimeId: 'rt-1',
      addressing: 'broadcast',
      contentLength: '12',
      contentType: 'application/json',
      chunked: false,
    });
  });

  it('forwards end-to-end headers, replaces Authorization and sets x-forwarded-*', () => {
    const pairs: string[] = [];
    for (let i = 0; i < h.forward.length; i += 2) pairs.push(`${h.forward[i]}: ${h.forward[i + 1]}`);
    // Issue 18 finding 9: the gateway's Authorization goes first, so a receiver that keeps only
    // the first N headers still reads it.
    expect(pairs).toEqual([
      'authorization: Bearer executor-secret',
      // The client's Host is kept, as open-runtimes/proxy passes it (the runtime sees it).
      'host: gw:80',
      'x-opr-runtime-id: rt-1',
      'x-opr-addressing-method: broadcast',
      'content-type: application/json',
      'content-length: 12',
      'accept: application/json',
      'x-forwarded-for: 10.0.0.1, 127.0.0.1',
      'x-forwarded-proto: http',
    ]);
  });

  // Issue 18 findings 11 and 12: repeated headers the gateway reads were used unchecked.
  it.each(['Authorization', 'X-Opr-Runtime-Id', 'x-opr-addressing-method', 'Content-Length', 'Host'])(
    'reports a repeated %s',
    (name) => {
      const r = readRequestHeaders([name, 'a', 'accept', '*/*', name, 'b'], 'Bearer s', '::1', 'http');
      expect(r.repeated).toBe(name.toLowerCase());
    },
  );

  it('notes a chunked body and drops transfer-encoding', () => {
    const c = readRequestHeaders(['Transfer-Encoding', 'chunked'], 'Bearer s', '::1', 'http');
    expect(c.chunked).toBe(true);
    expect(c.forward).not.toContain('transfer-encoding');
  });
});

describe('responseHeaders', () => {
  it('drops hop-by-hop headers and names the host', () => {
    const raw = [
      'Content-Type',
      'text/plain',
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'Server',
      'Executor',
    ].map((s) => Buffer.from(s));
    expect(responseHeaders(raw, 'host-1')).toEqual([
      'Content-Type',
      'text/plain',
      'Server',
      'Executor',
      'x-fleetgate-host',
      'host-1',
    ]);
    expect(responseHeaders(raw, undefined)).not.toContain('x-fleetgate-host');
  });

  it('drops the headers the upstream names in its Connection header, whatever their case', () => {
    const raw = ['Connection', 'close, X-Upstream-Private', 'x-upstream-private', 'secret', 'X-Kept', '1'];
    expect(responseHeaders(raw, undefined)).toEqual(['X-Kept', '1']);
  });
});
