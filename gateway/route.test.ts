import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.ts';
import { assertRuntimeId, classifyPath, isValidRuntimeId, parseAddressing } from './route.ts';

describe('classifyPath', () => {
  it.each([
    ['/v1/runtimes', '/v1/runtimes', undefined],
    ['/v1/runtimes/', '/v1/runtimes', undefined],
    ['/v1/runtimes/rt-1', '/v1/runtimes/:runtimeId', 'rt-1'],
    ['/v1/runtimes/rt-1/', '/v1/runtimes/:runtimeId', 'rt-1'],
    ['/v1/runtimes/rt-1/executions', '/v1/runtimes/:runtimeId/executions', 'rt-1'],
    ['/v1/runtimes/rt-1/execution', '/v1/runtimes/:runtimeId/executions', 'rt-1'],
    ['/v1/runtimes/rt-1/logs', '/v1/runtimes/:runtimeId/logs', 'rt-1'],
    ['/v1/runtimes/rt-1/commands', '/v1/runtimes/:runtimeId/commands', 'rt-1'],
    ['/v1/runtimes/rt-1/other/x', '/v1/runtimes/:runtimeId/*', 'rt-1'],
    ['/v1/runtimesX', 'other', undefined],
    ['/v1/health', '/v1/health', undefined],
    ['/anything', 'other', undefined],
  ])('%s → %s (%s)', (path, route, id) => {
    expect(classifyPath(path)).toEqual({ route, pathRuntimeId: id });
  });
});

describe('runtime ids', () => {
  it.each([
    ['abc', true],
    ['A.b_c-9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a b', false],
    ['a/b', false],
    ['a%20b', false],
    ['ünï', false],
  ])('%j valid=%s', (id, valid) => {
    expect(isValidRuntimeId(id)).toBe(valid);
  });

  it('names the place and the value in the 400', () => {
    expect(() => assertRuntimeId('a b', 'x-opr-runtime-id')).toThrowError(/x-opr-runtime-id: "a b"/);
    let thrown: unknown;
    try {
      assertRuntimeId('bad id', 'the path');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(400);
    expect((thrown as GatewayError).message).toMatch(/the path: "bad id"/);
  });
});

describe('parseAddressing', () => {
  it.each([
    [undefined, 'anycast-efficient'],
    ['', 'anycast-efficient'],
    ['anycast-efficient', 'anycast-efficient'],
    ['anycast-fast', 'anycast-fast'],
    ['broadcast', 'broadcast'],
  ])('%j → %s', (value, method) => {
    expect(parseAddressing(value)).toBe(method);
  });

  it.each(['unicast', 'BROADCAST', 'random'])('rejects %j with a 400', (value) => {
    expect(() => parseAddressing(value)).toThrowError(/Unknown x-opr-addressing-method/);
  });
});
