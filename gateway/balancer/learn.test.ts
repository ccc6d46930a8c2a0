import { describe, expect, it } from 'vitest';
import { PlacementMap } from '../hosts/placement.ts';
import type { RoutePattern } from '../route.ts';
import { isRuntimeWork, learn } from './learn.ts';

const NOT_FOUND = Buffer.from('{"type":"runtime_not_found","message":"x","code":404}');
const ROUTE_404 = Buffer.from('{"type":"general_route_not_found","code":404}');

describe('learn', () => {
  it.each<[string, string, RoutePattern, number, Buffer | undefined, boolean, boolean]>([
    // name, method, route, status, peek, warm before, warm after
    ['create 201', 'POST', '/v1/runtimes', 201, undefined, false, true],
    ['create 409 conflict', 'POST', '/v1/runtimes', 409, undefined, false, true],
    ['create 400 build failed', 'POST', '/v1/runtimes', 400, undefined, false, false],
    ['execution 200', 'POST', '/v1/runtimes/:runtimeId/executions', 200, undefined, false, true],
    ['execution 500', 'POST', '/v1/runtimes/:runtimeId/executions', 500, undefined, true, true],
    [
      'execution 404 runtime_not_found',
      'POST',
      '/v1/runtimes/:runtimeId/executions',
      404,
      NOT_FOUND,
      true,
      false,
    ],
    ['404 of another kind', 'GET', '/v1/runtimes/:runtimeId/*', 404, ROUTE_404, true, true],
    ['get 404 runtime_not_found', 'GET', '/v1/runtimes/:runtimeId', 404, NOT_FOUND, true, false],
    ['delete 200', 'DELETE', '/v1/runtimes/:runtimeId', 200, undefined, true, false],
    ['delete 404', 'DELETE', '/v1/runtimes/:runtimeId', 404, NOT_FOUND, true, false],
    ['get runtime 200', 'GET', '/v1/runtimes/:runtimeId', 200, undefined, false, false],
    ['logs 200', 'GET', '/v1/runtimes/:runtimeId/logs', 200, undefined, true, true],
  ])('%s', (_name, method, route, status, peek, before, after) => {
    const placement = new PlacementMap(10);
    if (before) placement.markWarm('rt', 'h');
    learn(placement, method, route, 'rt', 'h', status, peek);
    expect(placement.isWarm('rt', 'h')).toBe(after);
  });
});

describe('isRuntimeWork', () => {
  it.each<[string, RoutePattern, boolean]>([
    ['POST', '/v1/runtimes', true],
    ['GET', '/v1/runtimes', false],
    ['POST', '/v1/runtimes/:runtimeId/executions', true],
    ['GET', '/v1/runtimes/:runtimeId/logs', false],
  ])('%s %s → %s', (method, route, work) => {
    expect(isRuntimeWork(method, route)).toBe(work);
  });
});
