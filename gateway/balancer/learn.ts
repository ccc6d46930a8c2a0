import type { PlacementMap } from '../hosts/placement.ts';
import type { RoutePattern } from '../route.ts';

/** Whether a request makes a runtime work (create or execute): the requests "cold routes" count. */
export function isRuntimeWork(method: string, route: RoutePattern): boolean {
  return route === '/v1/runtimes/:runtimeId/executions' || (route === '/v1/runtimes' && method === 'POST');
}

/**
 * Placement learning from one upstream answer: a successful create or execution (or a 409
 * `runtime_conflict` on create: the runtime exists or is starting there) marks `key` warm on the
 * host; a delete, or a 404 whose first body chunk says `runtime_not_found`, clears it there.
 */
export function learn(
  placement: PlacementMap,
  method: string,
  route: RoutePattern,
  key: string,
  hostId: string,
  status: number,
  peek: Buffer | undefined,
): void {
  if (method === 'DELETE' && route === '/v1/runtimes/:runtimeId') {
    if (status < 300 || status === 404) placement.clear(key, hostId);
    return;
  }
  if (status === 404) {
    if (peek === undefined || peek.includes('runtime_not_found')) placement.clear(key, hostId);
    return;
  }
  if (method !== 'POST' || status < 200 || (status >= 300 && status !== 409)) return;
  if (route === '/v1/runtimes' || (route === '/v1/runtimes/:runtimeId/executions' && status !== 409)) {
    placement.markWarm(key, hostId);
  }
}
