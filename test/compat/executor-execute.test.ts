import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE } from '../support/executors.ts';
import type { CompatClient } from './client.ts';
import { COMPAT_TARGETS, type CompatTarget, startCompatTarget } from './targets.ts';

// Ported from open-runtimes/executor 0.27.0 tests/e2e/ExecutorTest.php testExecute, against
// `fleetgate executor` as a real process and against the gateway in front of two. The real case builds a PHP function first (a Docker
// image); here the runtime is Fleetgate's Node runtime started from a source folder, so the build
// step and `runtimeEntrypoint` are left out and the function is test/compat/functions/main.mjs.
const SOURCE = 'test/compat/functions';

describe.each(COMPAT_TARGETS)('executor compatibility (%s): testExecute', (kind) => {
  let target: CompatTarget;
  let client: CompatClient;
  const runtime = { source: SOURCE, entrypoint: 'main.mjs', image: NODE_IMAGE };

  beforeAll(async () => {
    target = await startCompatTarget(kind);
    client = target.client();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('creates, executes, executes with a body and variables, deletes', async () => {
    let response = await client.call('POST', '/runtimes', {}, { runtimeId: 'test-exec', ...runtime });
    expect(response.status).toBe(201);

    response = await client.call('POST', '/runtimes/test-exec/executions');
    expect(response.status).toBe(200);
    expect(response.body.statusCode).toBe('200');
    expect(JSON.parse(response.body.headers)['x-key']).toBe('aValue');

    response = await client.call(
      'POST',
      '/runtimes/test-exec/executions',
      {},
      { body: 'test payload', variables: { customVariable: 'mySecret' } },
    );
    expect(response.status).toBe(200);

    response = await client.call('DELETE', '/runtimes/test-exec', {}, {});
    expect(response.status).toBe(target.deletedStatus);
  });

  it('cold-starts on execution, with and without a leading / in the path', async () => {
    let response = await client.call('POST', '/runtimes/test-exec-coldstart/executions', {}, runtime);
    expect(response.status).toBe(200);

    response = await client.call(
      'POST',
      '/runtimes/test-exec-coldstart/executions',
      {},
      { ...runtime, path: 'v1/users' },
    );
    expect(response.status).toBe(200);
    expect(response.body.statusCode).toBe('200');

    response = await client.call(
      'POST',
      '/runtimes/test-exec-coldstart/executions',
      {},
      { ...runtime, path: '/v1/users' },
    );
    expect(response.status).toBe(200);
    expect(response.body.statusCode).toBe('200');
  });

  it.each([
    ['application/json', 'application/json'],
    ['application/*', 'application/json'],
    ['text/plain, application/json', 'application/json'],
    ['application/xml', 'multipart/form-data'],
    ['text/plain', 'multipart/form-data'],
    ['*/*', 'multipart/form-data'],
  ])('answers Accept %j with %s', async (accept, type) => {
    const response = await client.call(
      'POST',
      '/runtimes/test-exec-coldstart/executions',
      { accept },
      { ...runtime, path: '/v1/users' },
    );
    expect(response.status).toBe(200);
    if (type === 'application/json') expect(response.headers['content-type']).toBe('application/json');
    else expect(response.headers['content-type']).toMatch(/^multipart\/form-data/);
  });

  it('answers a HEAD execution with an empty body, then deletes', async () => {
    let response = await client.call(
      'POST',
      '/runtimes/test-exec-coldstart/executions',
      {},
      { ...runtime, method: 'HEAD', path: '/v1/users' },
    );
    expect(response.status).toBe(200);
    expect(response.body.body).toBe('');

    response = await client.call('DELETE', '/runtimes/test-exec-coldstart', {}, {});
    expect(response.status).toBe(target.deletedStatus);
  });
});
