import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { AUTH, call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

// Issue 14: a create that names its runtime only in its body must be routed by it, in every
// encoding the executor accepts, so that the runtime's executions find it where it was created.
// Before, an urlencoded create was forwarded without a key: 4 of 12 executions landed on its host.

const FIELDS = { image: 'openruntimes/node:v5-22', source: '', entrypoint: 'index.mjs', version: 'v5' };

/** One create body per encoding, with its content type (undici sets multipart's from the FormData). */
function createBody(
  encoding: string,
  runtimeId: string,
): { body: string | FormData; headers: Record<string, string> } {
  const fields: Record<string, string> = { runtimeId, ...FIELDS };
  switch (encoding) {
    case 'json':
      return { body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } };
    case 'urlencoded':
      return {
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
    case 'multipart': {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return { body: form, headers: {} };
    }
    default:
      throw new Error(`unknown encoding ${encoding}`);
  }
}

describe('a create keyed only by its body lands where its executions go (3 executors, 12 runtimes)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(3, { mode: 'simulated', idPrefix: 'bodykey' });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({ registry });
    await until('three hosts in the view', () => gw.gateway.fleet.hosts.length === 3);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it.each(['json', 'urlencoded', 'multipart'])('%s creates', async (encoding) => {
    const created = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const id = `bk-${encoding}-${i}`;
      const { body, headers } = createBody(encoding, id);
      const res = await request(`${gw.url}/v1/runtimes`, {
        method: 'POST',
        headers: { authorization: AUTH, ...headers },
        body,
      });
      const text = await res.body.text();
      expect(res.statusCode, text).toBe(201);
      created.set(id, String(res.headers['x-fleetgate-host']));
    }
    // The creates spread over the fleet (so landing together below is not luck of one host).
    expect(new Set(created.values()).size).toBeGreaterThan(1);
    const landed: string[] = [];
    for (const [id, host] of created) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, {
        body: simExecution(),
        headers: { accept: 'application/json' },
      });
      expect(res.status, res.text).toBe(200);
      if (res.headers['x-fleetgate-host'] === host) landed.push(id);
    }
    expect(landed).toEqual([...created.keys()]);
  });
});
