import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBlock } from '../../lib/markdown.ts';
import { PolicyError, parsePolicies, parsePolicy } from './parse.ts';
import { printPolicies } from './print.ts';
import { EXAMPLE_BLOCK } from './reference.ts';

const METRIC = `metrics:
  - name: inflight
    query: sum(x)
    target: { type: averagePerHost, value: 8 }
`;

function issuesOf(text: string) {
  try {
    parsePolicies(text, 'p.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('POLICY_INVALID');
    return (error as PolicyError).issues;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicies', () => {
  it('fills in every default of docs/scaling-policy.md', () => {
    const p = parsePolicy(METRIC);
    expect(p).toMatchObject({
      pool: 'default',
      mode: 'enforce',
      interval: 15_000,
      hosts: { min: 1, max: 20 },
      provider: { type: 'process', executors: 1 },
      source: { prometheus: { url: 'http://127.0.0.1:9090', timeout: 5_000 } },
      combine: 'max',
      tolerance: 0.1,
      scaleUp: {
        stabilizationWindow: 0,
        policies: [
          { type: 'Hosts', value: 4, period: 15_000 },
          { type: 'Percent', value: 100, period: 15_000 },
        ],
        select: 'max',
      },
      scaleDown: { stabilizationWindow: 300_000, policies: [{ type: 'Percent', value: 50, period: 60_000 }] },
      panic: { threshold: 2, window: 6_000, hold: 60_000 },
      capacity: { bootTimeout: 180_000, countBooting: true },
      drain: { select: 'fewestWarmRuntimes', timeout: 900_000 },
      fallback: { afterFailures: 3, behavior: 'hold' },
      startup: { holdFor: 60_000 },
      budget: { maxScaleEventsPerHour: 60, maxHosts: null },
      scaleToZero: { enabled: false, idleFor: 900_000 },
    });
    expect(p.metrics[0]).toEqual({
      name: 'inflight',
      query: 'sum(x)',
      target: { type: 'averagePerHost', value: 8 },
      activation: 0,
      onEmpty: 'hold',
    });
  });

  it('returns frozen policies', () => {
    const p = parsePolicy(METRIC);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.scaleUp.policies[0])).toBe(true);
  });

  it('accepts the full example of docs/scaling-policy.md', () => {
    const doc = readFileSync(new URL('../../docs/scaling-policy.md', import.meta.url), 'utf8');
    const block = readBlock(doc, EXAMPLE_BLOCK);
    expect(block, 'docs/scaling-policy.md has no policy-example block').toBeDefined();
    const yaml = /```yaml\n([\s\S]*?)```/.exec(block!)![1]!;
    const p = parsePolicy(yaml, 'docs/scaling-policy.md');
    expect(p.metrics[0]!.query).toBe('sum(pool:fleetgate_gateway_inflight_requests:sum{pool="default"})');
    expect(p.provider).toEqual({ type: 'process', executors: 3 });
    expect(p.source).toEqual({
      prometheus: { url: 'http://127.0.0.1:9090', timeout: 5_000, method: 'GET', maxAge: 60_000 },
    });
  });

  it.each([
    ['one policy', `pool: a\n${METRIC}`, ['a']],
    [
      'a pools list',
      `pools:\n  - pool: a\n    ${METRIC.replaceAll('\n', '\n    ')}\n  - pool: b\n    ${METRIC.replaceAll('\n', '\n    ')}`,
      ['a', 'b'],
    ],
    ['a multi-document stream', `pool: a\n${METRIC}---\npool: b\n${METRIC}`, ['a', 'b']],
  ])('reads %s', (_name, text, pools) => {
    expect(parsePolicies(text).map((p) => p.pool)).toEqual(pools);
  });

  it('ships a predictive example whose forecast, buffer and schedule round-trip through print', () => {
    const file = new URL('../../config/examples/policies/predictive.yaml', import.meta.url);
    const [p] = parsePolicies(readFileSync(file, 'utf8'), 'predictive.yaml');
    expect(p).toMatchObject({
      capacity: { bootTime: 45_000 },
      forecast: { enabled: true, quantile: 0.8, step: 60_000, lookback: 15 * 86_400_000 },
      buffer: { hosts: 1, percent: 0 },
      schedule: [{ cron: '0 8 * * 1-5', for: 36_000_000, min: 6 }],
      drain: { warmRuntimeCost: 15_000 },
    });
    expect(p!.forecast.seasons).toEqual([
      300_000, 600_000, 900_000, 1_800_000, 3_600_000, 86_400_000, 604_800_000,
    ]);
    const printed = printPolicies([p!]);
    expect(printed).toContain('lookback: 15d');
    expect(parsePolicies(printed)).toEqual([p]);
  });

  it.each([
    [
      'a season shorter than two steps',
      'forecast: { seasons: [90s] }',
      'forecast.seasons[0]',
      'at least two',
    ],
    [
      'a season that is not a whole number of steps',
      'forecast: { seasons: [150s] }',
      'forecast.seasons[0]',
      'whole number of steps',
    ],
    [
      'an error window under 10 steps',
      'forecast: { errorWindow: 5m }',
      'forecast.errorWindow',
      'at least 10 steps',
    ],
    ['a quantile of 1', 'forecast: { quantile: 1 }', 'forecast.quantile', 'must be < 1'],
    [
      'a cron with 4 fields',
      'schedule: [{ cron: "0 8 * *", for: 1h, min: 2 }]',
      'schedule[0].cron',
      '5 fields',
    ],
    ['negative spare hosts', 'buffer: { hosts: -1 }', 'buffer.hosts', '≥ 0'],
  ])('rejects %s, naming the field', (_name, extra, path, message) => {
    expect(() => parsePolicy(`${METRIC}${extra}\n`, 'p.yaml')).toThrow(
      new RegExp(`${path.replace(/[[\].]/g, '\\$&')}: .*${message}`),
    );
  });

  it('ships an embedded default that passes check and round-trips through print', () => {
    const text = readFileSync(new URL('./examples/default.yaml', import.meta.url), 'utf8');
    const [p] = parsePolicies(text, 'default.yaml');
    expect(p).toMatchObject({
      pool: 'default',
      provider: { type: 'process' },
      source: { gateway: { urls: [] } },
    });
    expect(p!.metrics[0]!.target).toEqual({ type: 'averagePerHost', value: 8 });
    expect(parsePolicies(printPolicies([p!]))).toEqual([p]);
  });

  it.each([
    [
      'an unknown key',
      `${METRIC}scaleUp:\n  stabilisationWindow: 5s\n`,
      'scaleUp.stabilisationWindow',
      6,
      'unknown key "stabilisationWindow"',
    ],
    [
      'a negative duration',
      `${METRIC}scaleDown:\n  stabilizationWindow: -5s\n`,
      'scaleDown.stabilizationWindow',
      6,
      'must not be negative, got "-5s"',
    ],
    ['a bad duration unit', `interval: 15 parsecs\n${METRIC}`, 'interval', 1, 'unknown unit'],
    ['a zero interval', `interval: 0s\n${METRIC}`, 'interval', 1, 'must be longer than 0, got "0s"'],
    ['min above max', `hosts: { min: 5, max: 2 }\n${METRIC}`, 'hosts.min', 1, 'min must be ≤ max'],
    [
      'a bad target type',
      METRIC.replace('averagePerHost', 'perHost'),
      'metrics[0].target.type',
      4,
      'perHost',
    ],
    [
      'a utilization above 1',
      METRIC.replace('averagePerHost, value: 8', 'utilization, value: 80'),
      'metrics[0].target.value',
      4,
      'fraction',
    ],
    ['no metrics', 'pool: a\n', 'metrics', 1, 'is required'],
    [
      'a formula over an unknown metric',
      `${METRIC}combine: { formula: "max(inflight, queue)" }\n`,
      'combine.formula',
      5,
      'unknown metric "queue"',
    ],
    [
      'a formula that does not parse',
      `${METRIC}combine: { formula: "inflight +" }\n`,
      'combine.formula',
      5,
      'expected a number',
    ],
    [
      'static fallback without hosts',
      `${METRIC}fallback: { behavior: static }\n`,
      'fallback.hosts',
      5,
      'behavior static needs hosts',
    ],
    ['min 0 without scale to zero', `hosts: { min: 0 }\n${METRIC}`, 'hosts.min', 1, 'scaleToZero.enabled'],
    [
      'a bad rate policy type',
      `${METRIC}scaleUp:\n  policies: [ { type: Pods, value: 4, period: 15s } ]\n`,
      'scaleUp.policies[0].type',
      6,
      'Pods',
    ],
    [
      'a bad provider',
      `provider: { type: kubernetes }\n${METRIC}`,
      'provider.type',
      1,
      'type must be static, process, command, docker or swarm',
    ],
  ])('names the path, value and line of %s', (_name, text, path, line, message) => {
    const issue = issuesOf(text).find((i) => i.path === path);
    expect(issue, JSON.stringify(issuesOf(text))).toBeDefined();
    expect(issue!.line).toBe(line);
    expect(issue!.message).toContain(message);
  });

  it('names the line inside a pools list and a later document', () => {
    const list = `pools:\n  - pool: a\n    interval: nope\n    ${METRIC.replaceAll('\n', '\n    ')}`;
    expect(issuesOf(list)[0]).toMatchObject({ path: 'pools[0].interval', line: 3 });
    const stream = `pool: a\n${METRIC}---\npool: b\ntolerance: 2\n${METRIC}`;
    expect(issuesOf(stream)[0]).toMatchObject({ path: 'tolerance', line: 8, message: 'must be ≤ 1, got 2' });
  });

  it('rejects the same pool twice and a file with no policy', () => {
    expect(issuesOf(`${METRIC}---\n${METRIC}`)[0]!.message).toContain('pool "default" is already defined');
    expect(issuesOf('# nothing\n')[0]!.message).toBe('the file holds no policy');
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(`${METRIC}hosts: { min: 1\n`);
    expect(issues[0]!.message).toMatch(/^YAML: /);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(5);
  });

  it('puts file, line and path in the error message', () => {
    expect(() => parsePolicies(`interval: 0s\n${METRIC}`, 'p.yaml')).toThrow(
      'p.yaml:1: interval: must be longer than 0, got "0s"',
    );
  });
});
