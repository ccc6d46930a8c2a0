import { describe, expect, it } from 'vitest';
import { keyFromBody, type RequestFacts, type ResolveRules, resolveRequest, runtimeKey } from './resolve.ts';

const rules: ResolveRules = {
  authorized: (a) => a === 'Bearer s',
  upstreamAuthorization: 'Bearer upstream',
  bodyLimit: 1000,
};

const facts = (over: Partial<RequestFacts> & { headers?: [string, string][] } = {}): RequestFacts => ({
  method: over.method ?? 'POST',
  url: over.url ?? '/v1/runtimes/rt/executions',
  rawHeaders: (over.headers ?? [['Authorization', 'Bearer s']]).flat(),
  remoteAddress: '10.0.0.1',
});

const auth: [string, string] = ['Authorization', 'Bearer s'];

describe('resolveRequest', () => {
  it('plans an execution by its path id, without reading its body', () => {
    const r = resolveRequest(facts({ headers: [auth, ['Content-Length', '2']] }), rules);
    expect(r).toMatchObject({
      ok: true,
      plan: {
        route: '/v1/runtimes/:runtimeId/executions',
        key: 'rt',
        addressing: 'anycast-efficient',
        hasBody: true,
        buffer: false,
      },
    });
    // The client's credential is never forwarded: the executor secret replaces it.
    if (r.ok) expect(r.plan.headers.forward.slice(0, 2)).toEqual(['authorization', 'Bearer upstream']);
  });

  it('plans a create without an id header as buffered, keyed once its body is read', () => {
    const r = resolveRequest(
      facts({ url: '/v1/runtimes', headers: [auth, ['Content-Length', '20']] }),
      rules,
    );
    expect(r).toMatchObject({ ok: true, plan: { route: '/v1/runtimes', key: undefined, buffer: true } });
    if (!r.ok) return;
    expect(keyFromBody(r.plan, Buffer.from('{"runtimeId":"from-body"}'))).toBe('from-body');
  });

  it('keys a create by its id header without buffering it', () => {
    const r = resolveRequest(
      facts({ url: '/v1/runtimes', headers: [auth, ['x-opr-runtime-id', 'h']] }),
      rules,
    );
    expect(r).toMatchObject({ ok: true, plan: { key: 'h', buffer: false } });
  });

  it('buffers a broadcast, which keeps the header or path key', () => {
    const r = resolveRequest(
      facts({
        method: 'DELETE',
        url: '/v1/runtimes/rt',
        headers: [auth, ['x-opr-addressing-method', 'broadcast']],
      }),
      rules,
    );
    expect(r).toMatchObject({ ok: true, plan: { addressing: 'broadcast', key: 'rt', buffer: true } });
    if (r.ok) expect(keyFromBody(r.plan, Buffer.from('{"runtimeId":"other"}'))).toBe('rt');
  });

  it.each([
    ['no credential', facts({ headers: [] }), 'GW_UNAUTHORIZED', 'other'],
    ['a repeated credential', facts({ headers: [auth, auth] }), 'GW_UNAUTHORIZED', 'executions'],
    [
      'a header id naming another runtime than the path',
      facts({ headers: [auth, ['x-opr-runtime-id', 'b']] }),
      'GW_BAD_RUNTIME_ID',
      'executions',
    ],
    ['an absolute-form target', facts({ url: 'http://elsewhere/v1/runtimes' }), 'GW_BAD_PATH', 'other'],
    [
      'a length over the limit',
      facts({ headers: [auth, ['Content-Length', '1001']] }),
      'GW_BODY_TOO_LARGE',
      'executions',
    ],
    [
      'an unknown addressing',
      facts({ headers: [auth, ['x-opr-addressing-method', 'x']] }),
      'GW_BAD_ADDRESSING',
      'executions',
    ],
  ])('refuses %s', (_name, input, code, route) => {
    const r = resolveRequest(input, rules);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    if (route === 'executions') expect(r.route).toBe('/v1/runtimes/:runtimeId/executions');
  });
});

describe('runtimeKey', () => {
  it.each([
    [undefined, 'p', 'p'],
    ['', 'p', 'p'],
    ['h', undefined, 'h'],
    ['same', 'same', 'same'],
    [undefined, undefined, undefined],
  ])('header %j, path %j → %j', (header, path, key) => {
    expect(runtimeKey(header, path)).toBe(key);
  });

  it('refuses a header id that differs from the path id, naming both', () => {
    expect(() => runtimeKey('a', 'b')).toThrowError(/"a" differs from the runtime id in the path "b"/);
  });
});
