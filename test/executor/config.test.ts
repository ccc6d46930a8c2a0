import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callExecutor, type ExecutorFleet, startExecutors } from '../support/executors.ts';

// `fleetgate executor --config FILE` as a real process: the file's executor section takes effect.
describe('fleetgate executor --config', () => {
  let dir: string;
  let fleet: ExecutorFleet;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetgate-executor-config-'));
    const file = join(dir, 'fleetgate.yaml');
    writeFileSync(
      file,
      ['executor:', '  runtimeVersions: [v2]', '  simulated:', '    coldStart: "5"', ''].join('\n'),
    );
    fleet = await startExecutors(1, { mode: 'simulated', args: ['--config', file] });
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs with the file's settings: the allowed runtime versions", async () => {
    const url = fleet.hosts[0]!.url;
    const v5 = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'a',
      image: 'sim',
    });
    expect([v5.status, v5.json.type]).toEqual([400, 'general_argument_invalid']);
    expect(v5.json.message).toContain('"version"');
    const v2 = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'b',
      image: 'sim',
      version: 'v2',
    });
    expect(v2.status).toBe(201);
  });
});
