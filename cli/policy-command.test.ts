import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_POLICY_YAML } from '../scaler/simulate/scenarios.ts';
import { captureIO } from '../test/cli/capture.ts';
import { policyCommand } from './policy-command.ts';

describe('fleetgate policy simulate with the forecast on', () => {
  let dir: string;
  let policy: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-policy-'));
    policy = join(dir, 'policy.yaml');
    await writeFile(policy, `${SCENARIO_POLICY_YAML}forecast: { enabled: true, seasons: [10m] }\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints each acting tick with its forecast, and draws it with --svg', async () => {
    // A 10-minute timer burst after 3 hours of history: the forecast is trusted from the start.
    const series = join(dir, 'burst.csv');
    const rows = ['time,demand'];
    for (let m = 0; m < 60; m++) rows.push(`${m * 60},${m % 10 === 0 ? 120 : 40}`);
    await writeFile(series, rows.join('\n'));
    const svg = join(dir, 'run.svg');
    const c = captureIO();
    const status = await policyCommand.run(
      ['simulate', policy, '--load', series, '--history', '3h', '--svg', svg],
      c.io,
    );
    expect(c.err()).toBe('');
    expect(status).toBe(0);
    const out = c.out();
    expect(out).toMatch(/t \(s\)\s+metric\s+act\/boot\/drain\s+forecast\s+hosts/);
    expect(out).toMatch(/seasonal:10m|mean/);
    expect(out).toContain('Forecast');
    const drawing = await readFile(svg, 'utf8');
    expect(drawing).toContain('forecast peak ÷ target (trusted)');
    expect(drawing).toContain('stroke="#ff7f0e"');
  });

  it('rejects a bad --history, naming the option', async () => {
    const c = captureIO();
    await expect(
      policyCommand.run(['simulate', policy, '--scenario', 'noise', '--history', 'soon'], c.io),
    ).rejects.toThrow(/--history/);
  });
});
