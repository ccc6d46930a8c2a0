import { describe, expect, it } from 'vitest';
import { engineError, transportError } from './error-map.ts';

describe('engineError', () => {
  it.each([
    [
      'create container from image',
      'x:1',
      404,
      'No such image: x:1',
      'image_not_found',
      'DOCKER_IMAGE_NOT_FOUND',
    ],
    ['inspect image', 'x:1', 404, 'no such image', 'image_not_found', 'DOCKER_IMAGE_NOT_FOUND'],
    [
      'start container',
      'abc',
      404,
      'No such container: abc',
      'container_not_found',
      'DOCKER_CONTAINER_NOT_FOUND',
    ],
    [
      'create container from image',
      'x',
      409,
      'Conflict. The container name "/a" is already in use',
      'container_conflict',
      'DOCKER_CONTAINER_CONFLICT',
    ],
    [
      'start container',
      'abc',
      500,
      'driver failed programming external connectivity: Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use',
      'port_in_use',
      'DOCKER_PORT_IN_USE',
    ],
    [
      'start container',
      'abc',
      500,
      'Bind for 127.0.0.1:80 failed: port is already allocated',
      'port_in_use',
      'DOCKER_PORT_IN_USE',
    ],
    ['create network', 'n', 404, 'network n not found', 'network_not_found', 'DOCKER_NETWORK_NOT_FOUND'],
    [
      'create container from image',
      'x',
      400,
      'invalid reference format',
      'bad_request',
      'DOCKER_BAD_REQUEST',
    ],
    ['start container', 'abc', 500, 'OCI runtime create failed', 'engine_error', 'DOCKER_ENGINE_ERROR'],
  ])('%s %s: %i %s → %s', (action, target, status, message, kind, code) => {
    const error = engineError({ action, target }, status, message);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`${action} ${target}`);
    expect(error.message).toContain(message);
  });

  it('names the status when the engine sent no message', () => {
    expect(engineError({ action: 'list containers' }, 502, '').message).toBe(
      'docker: list containers failed: HTTP 502',
    );
  });
});

describe('transportError', () => {
  it.each([
    ['ENOENT', 'engine_unreachable'],
    ['ECONNREFUSED', 'engine_unreachable'],
    ['EACCES', 'engine_unreachable'],
    ['UND_ERR_SOCKET', 'engine_unreachable'],
    ['UND_ERR_HEADERS_TIMEOUT', 'engine_timeout'],
    ['EWHATEVER', 'engine_error'],
  ])('%s → %s, naming the socket', (code, kind) => {
    const cause = Object.assign(new Error(`connect ${code} /x/docker.sock`), { code });
    const error = transportError({ action: 'ping the engine' }, '/x/docker.sock', cause);
    expect(error.kind).toBe(kind);
    expect(error.cause).toBe(cause);
    if (kind === 'engine_unreachable') expect(error.message).toContain('/x/docker.sock');
  });
});
