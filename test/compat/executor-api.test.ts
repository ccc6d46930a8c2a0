import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { CompatClient } from './client.ts';

// Ported from open-runtimes/executor 0.27.0 tests/e2e/ExecutorTest.php (cases that need no Docker
// image), against `fleetgate executor` as a real process: testUnknownPath, testGetRuntimesEmpty,
// testGetRuntimeUnknown, testDeleteRuntimeUnknown, testGetRuntimesUnauthorized.
describe('executor compatibility: routes and errors', () => {
  let fleet: ExecutorFleet;
  let client: CompatClient;

  beforeAll(async () => {
    fleet = await startExecutors(1, { secret: 'executor-secret-key' });
    client = new CompatClient(fleet.hosts[0]!.url, fleet.secret);
  });
  afterAll(async () => {
    await fleet?.stop();
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
    const response = await client.call('DELETE', '/runtimes/test');
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Runtime not found');
  });

  it('testGetRuntimesUnauthorized', async () => {
    const unauthorised = new CompatClient(fleet.hosts[0]!.url, '');
    const response = await unauthorised.call('GET', '/runtimes');
    expect(response.status).toBe(401);
    expect(response.body.message).toBe('Missing executor key');
    expect(response.body.code).toBe(401);
  });
});
