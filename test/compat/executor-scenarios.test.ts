import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE } from '../support/executors.ts';
import type { CompatClient, CompatResponse } from './client.ts';
import { COMPAT_TARGETS, type CompatTarget, startCompatTarget } from './targets.ts';

// Ported from open-runtimes/executor 0.27.0 tests/e2e/ExecutorTest.php testScenarios (the Node v5
// scenarios), against `fleetgate executor` as a real process and the gateway in front of two. The real cases build each function
// in a Docker image first; here each runs on Fleetgate's Node runtime from test/compat/functions.
// Differences, each smaller than the original: the timeout scenario uses `timeout` 2 instead of 45,
// the long cold start boots in 1.5 s instead of 10 s; the build step (and the specs scenario's
// build assertions) are left out.
const SOURCE = 'test/compat/functions';
const MIB = 1024 * 1024;

interface Scenario {
  name: string;
  entrypoint: string;
  assertions: (response: CompatResponse) => void;
  body?: string | Buffer;
  logging?: boolean;
  mimeType?: string;
  cpus?: number;
  memory?: number;
  timeout?: number;
  variables?: Record<string, string>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'node-empty-object',
    entrypoint: 'empty-object.mjs',
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.body, r.body.logs, r.body.errors]).toEqual([
        200,
        200,
        '{}',
        '',
        '',
      ]);
    },
  },
  {
    name: 'node-empty-array',
    entrypoint: 'empty-array.mjs',
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.body, r.body.logs, r.body.errors]).toEqual([
        200,
        200,
        '[]',
        '',
        '',
      ]);
    },
  },
  {
    name: 'node-timeout',
    entrypoint: 'timeout.mjs',
    timeout: 2,
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.logs]).toEqual([200, 500, '']);
      expect(r.body.errors).toContain('Execution timed out.');
    },
  },
  {
    name: 'node-logs 1 MiB',
    entrypoint: 'logs.mjs',
    body: '1',
    assertions: (r) => {
      expect([r.status, r.body.body, r.body.logs.length, r.body.errors]).toEqual([200, 'OK', MIB, '']);
    },
  },
  {
    name: 'node-logs 5 MiB',
    entrypoint: 'logs.mjs',
    body: '5',
    assertions: (r) => {
      expect([r.status, r.body.body, r.body.logs.length, r.body.errors]).toEqual([200, 'OK', 5 * MIB, '']);
    },
  },
  {
    name: 'node-logs 15 MiB',
    entrypoint: 'logs.mjs',
    body: '15',
    assertions: (r) => {
      expect([r.status, r.body.body, r.body.errors]).toEqual([200, 'OK', '']);
      expect(r.body.logs.length).toBeGreaterThan(5 * MIB);
      expect(r.body.logs.length).toBeLessThan(6 * MIB);
      expect(r.body.logs).toContain('truncated');
    },
  },
  {
    name: 'node-logs without logging',
    entrypoint: 'logs.mjs',
    body: '1',
    logging: false,
    assertions: (r) => {
      expect([r.status, r.body.body, r.body.logs, r.body.errors]).toEqual([200, 'OK', '', '']);
    },
  },
  {
    name: 'node-long-coldstart',
    entrypoint: 'long-coldstart.mjs',
    variables: { BOOT_MS: '1500' },
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.body, r.body.logs, r.body.errors]).toEqual([
        200,
        200,
        'OK',
        '',
        '',
      ]);
      expect(r.body.duration).toBeGreaterThan(1.5);
    },
  },
  {
    name: 'node-binary-response as multipart',
    entrypoint: 'binary-response.mjs',
    mimeType: 'multipart/form-data',
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.logs, r.body.errors]).toEqual([200, '200', '', '']);
      expect([...r.parts!.body!]).toEqual([0, 10, 255]);
    },
  },
  {
    name: 'node-binary-response as JSON',
    entrypoint: 'binary-response.mjs',
    mimeType: 'application/json',
    assertions: (r) => {
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('JSON response does not allow binaries');
    },
  },
  {
    name: 'node-binary-request as multipart',
    entrypoint: 'binary-request.mjs',
    mimeType: 'multipart/form-data',
    body: Buffer.from([0, 10, 255]),
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.logs, r.body.errors]).toEqual([200, '200', '', '']);
      expect([...r.parts!.body!]).toEqual([0, 10, 255]);
    },
  },
  {
    name: 'node-specs',
    entrypoint: 'specs.mjs',
    cpus: 2.5,
    memory: 1024,
    assertions: (r) => {
      expect([r.status, r.body.statusCode, r.body.logs, r.body.errors]).toEqual([200, 200, '', '']);
      expect(JSON.parse(r.body.body)).toEqual({ cpus: '2.5', memory: '1024' });
    },
  },
];

describe.each(COMPAT_TARGETS)('executor compatibility (%s): testScenarios', (kind) => {
  let target: CompatTarget;
  let client: CompatClient;

  beforeAll(async () => {
    target = await startCompatTarget(kind);
    client = target.client();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))('%s', async (_name, scenario, i) => {
    const mimeType = scenario.mimeType ?? 'application/json';
    const params: Record<string, unknown> = {
      source: SOURCE,
      entrypoint: scenario.entrypoint,
      image: NODE_IMAGE,
      version: 'v5',
      timeout: scenario.timeout ?? 45,
      logging: scenario.logging ?? true,
      cpus: scenario.cpus ?? 1,
      memory: scenario.memory ?? 512,
      ...(scenario.variables ? { variables: scenario.variables } : {}),
      ...(scenario.body !== undefined ? { body: scenario.body } : {}),
    };
    const id = `scenario-execute-${i}`;
    const response = await client.call(
      'POST',
      `/runtimes/${id}/executions`,
      { 'content-type': mimeType, accept: mimeType },
      params,
    );
    expect(response.headers['content-type']).toContain(mimeType);
    scenario.assertions(response);
    expect((await client.call('DELETE', `/runtimes/${id}`, {}, {})).status).toBe(target.deletedStatus);
  });
});
