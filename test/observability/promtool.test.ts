import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../support/processes.ts';

const PROM_DIR = fileURLToPath(new URL('../../metrics/prometheus/', import.meta.url));

function promtool(args: string[], cwd = PROM_DIR): { status: number | null; output: string } {
  requireBinary('promtool', 'prometheus');
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const ruleFiles = readdirSync(join(PROM_DIR, 'rules')).map((f) => `rules/${f}`);
const testFiles = readdirSync(join(PROM_DIR, 'tests')).map((f) => `tests/${f}`);

describe('promtool on the shipped Prometheus files', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'fleetgate-promtool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the rule files and their unit tests', () => {
    expect(ruleFiles.sort()).toEqual(['rules/alerts.yml', 'rules/recording.yml']);
    expect(testFiles.sort()).toEqual(['tests/alerts.test.yml', 'tests/recording.test.yml']);
  });

  it('promtool check config accepts prometheus.yml and its rule files', () => {
    const r = promtool(['check', 'config', 'prometheus.yml']);
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  it.each(ruleFiles)('promtool check rules %s', (file) => {
    const r = promtool(['check', 'rules', file]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.each(testFiles)('promtool test rules %s', (file) => {
    const r = promtool(['test', 'rules', file]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('fails on a broken rule and on a wrong expectation (the checks can fail)', () => {
    const bad = join(scratch, 'bad.yml');
    writeFileSync(
      bad,
      'groups:\n  - name: x\n    rules:\n      - record: a:b:c\n        expr: sum(rate(x[5m])\n',
    );
    expect(promtool(['check', 'rules', bad]).status).not.toBe(0);

    const test = join(scratch, 'wrong.test.yml');
    writeFileSync(
      test,
      [
        `rule_files: [${JSON.stringify(join(PROM_DIR, 'rules/alerts.yml'))}]`,
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        '      - series: \'fleetgate_gateway_registry_stale_seconds{pool="a",instance="g"}\'',
        "        values: '0x10'",
        '    alert_rule_test:',
        '      - alertname: FleetgateRegistryStale',
        '        eval_time: 10m',
        '        exp_alerts: [{ exp_labels: { severity: warning, pool: a, instance: g } }]',
        '',
      ].join('\n'),
    );
    const r = promtool(['test', 'rules', test]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('FAILED');
  });
});
