import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompatClient } from './client.ts';
import { COMPAT_TARGETS, type CompatTarget, startCompatTarget } from './targets.ts';

// Ported from open-runtimes/executor 0.27.0 tests/e2e/ExecutorTest.php (cases that need no Docker
// image), against `fleetgate executor` as a real process and against the gateway in front of two:
// testUnknownPath, testGetRuntimesEmpty, testGetRuntimeUnknown, testDeleteRuntimeUnknown,
// testGetRuntimesUnauthorized (behind the gateway the 401 is the proxy's, with its message).
describe.each(COMPAT_TARGETS)('executor compatibility (%s): routes and errors', (kind) => {
  let target: CompatTarget;
  let client: CompatClient;

  beforeAll(async () => {
    target = await startCompatTarget(kind);
    client = target.client();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('testUnknownPath', async () => {
    const response = await client.call('GET', '/unknown');
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Not Found');
  });

  it('testGetRuntimesEmpty', async () => {
    const response = await client.call('GET', '/runtimes');
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(0);
  });

  it('testGetRuntimeUnknown', async () => {
    const response = await client.call('GET', '/runtimes/id');
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Runtime not found');
    expect(response.body.code).toBe(404);
  });

  it('testDeleteRuntimeUnknown', async () => {
    // Appwrite deletes with `x-opr-addressing-method: broadcast`, which the proxy (and the gateway)
    // answers with an empty 204 whatever the executors said; sent to one executor, the real answer.
    if (kind === 'gateway') {
      const broadcast = await client.call('DELETE', '/runtimes/test');
      expect([broadcast.status, broadcast.body]).toEqual([204, '']);
    }
    const response = await client.call('DELETE', '/runtimes/test', {
      'x-opr-addressing-method': 'anycast-efficient',
    });
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Runtime not found');
  });
});

// Behind the gateway the 401 is the proxy's (`Incorrect proxy key.`), with the same int `code`.
describe.each(COMPAT_TARGETS)('executor compatibility (%s): testGetRuntimesUnauthorized', (kind) => {
  let target: CompatTarget;

  beforeAll(async () => {
    target = await startCompatTarget(kind);
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('testGetRuntimesUnauthorized', async () => {
    const response = await target.client('').call('GET', '/runtimes');
    expect(response.status).toBe(401);
    expect(response.body.message).toBe(kind === 'gateway' ? 'Incorrect proxy key.' : 'Missing executor key');
    expect(response.body.code).toBe(401);
  });
});
