import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AZURE_TRACE_DIR } from '../lib/traces.ts';
import { captureIO as capture } from '../test/cli/capture.ts';
import { main } from './main.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const defaultPolicy = join(root, 'scaler', 'policy', 'examples', 'default.yaml');
const dir = mkdtempSync(join(tmpdir(), 'fleetgate-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function run(...argv: string[]) {
  const c = capture();
  const code = await main(['policy', ...argv], c.io);
  return { code, out: c.out(), err: c.err() };
}

const POLICY = `hosts: { min: 1, max: 50 }
metrics:
  - name: inflight
    query: sum(fleetgate_gateway_inflight_requests)
    target: { type: averagePerHost, value: 8 }
`;

describe('fleetgate policy check', () => {
  it('prints the embedded default with every default filled in', async () => {
    const r = await run('check', defaultPolicy);
    expect(r.code).toBe(0);
    const printed = parse(r.out.replace(/^#.*\n/, ''));
    expect(printed).toMatchObject({
      pool: 'default',
      provider: { type: 'process' },
      source: { gateway: { urls: [] } },
      scaleDown: { stabilizationWindow: '5m' },
      budget: { maxScaleEventsPerHour: 60, maxHosts: null },
    });
  });

  it('checks the full-stack example policy of config/examples', async () => {
    expect((await run('check', join(root, 'config', 'examples', 'policies', 'default.yaml'))).code).toBe(0);
  });

  it('exits 1 naming file, line, path and value', async () => {
    const bad = write('bad.yaml', `${POLICY}scaleDown:\n  stabilizationWindow: -5s\n`);
    const r = await run('check', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:7: scaleDown.stabilizationWindow: must not be negative, got "-5s"`);
  });

  it('exits 2 without a file', async () => {
    expect((await run('check')).code).toBe(2);
  });
});

describe('fleetgate policy simulate', () => {
  const policy = write('p.yaml', POLICY);

  it('runs a named scenario and prints the decisions and the figures', async () => {
    const r = await run('simulate', policy, '--scenario', 'step-up');
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenario step-up');
    expect(r.out).toMatch(/60\s+320\s+1\/0\/0\s+1 → 5\s+RateLimited\s+start 4/);
    expect(r.out).toMatch(/peak hosts\s+40/);
    expect(r.out).toMatch(/executions cut off\s+0/);
  });

  it('prints decision records and figures as JSON, and draws an SVG', async () => {
    const svg = join(dir, 'run.svg');
    const r = await run('simulate', policy, '--scenario', 'spike', '--json', '--svg', svg);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.figures.reversals).toBeLessThanOrEqual(1);
    expect(json.records[0]).toMatchObject({ pool: 'default', time: 0, reason: 'WithinTolerance' });
    const drawing = readFileSync(svg, 'utf8');
    expect(drawing).toMatch(/^<svg /);
    expect(drawing.match(/<path /g)).toHaveLength(3);
  });

  it.each([
    ['--scenario', 'dry-run'],
    ['--scenario', 'step-up', '--dry-run'],
  ])('simulates a dry run (%s %s): decisions recorded, nothing executed', async (...argv) => {
    const r = await run('simulate', policy, ...argv, '--json');
    const { figures, records, title } = JSON.parse(r.out);
    expect(title).toContain('(dryRun)');
    expect(figures.registryWrites).toBe(0);
    expect(records[4]).toMatchObject({
      time: 60_000,
      desired: 5,
      actions: [{ type: 'start', count: 4, execute: false }],
    });
  });

  it('reads a CSV load series and honours --boot', async () => {
    const csv = write('load.csv', 'time,demand\n0,8\n60,160\n600,160\n');
    const r = await run('simulate', policy, '--load', csv, '--boot', '150s', '--json');
    const { figures, title } = JSON.parse(r.out);
    expect(title).toContain('boot 150s');
    expect(figures.finalHosts).toBe(20);
  });

  it('replays the Azure trace sample as demand', async () => {
    const r = await run('simulate', policy, '--load', AZURE_TRACE_DIR, '--json');
    expect(r.code).toBe(0);
    const { figures, records } = JSON.parse(r.out);
    expect(records).toHaveLength(480 * 4 + 1);
    expect(figures.peakHosts).toBeGreaterThan(10);
  });

  it.each([
    [['simulate', 'x.yaml'], 'one of --load SERIES or --scenario NAME'],
    [['simulate', 'x.yaml', '--scenario', 'nope'], 'unknown scenario "nope"'],
    [['simulate', 'x.yaml', '--scenario', 'spike', '--load', 'y'], 'one of --load'],
    [['frobnicate'], 'unknown policy subcommand'],
  ])('rejects bad usage %j', async (argv, message) => {
    const r = await run(...argv.map((a) => (a === 'x.yaml' ? policy : a)));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
