import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaRows } from '../../config/reference.ts';
import { readBlock } from '../../lib/markdown.ts';
import { schemaPaths } from '../../test/support/schema-paths.ts';
import { SCENARIOS } from '../simulate/scenarios.ts';
import { POLICY_REFERENCE_BLOCK, SCENARIO_BLOCK } from './reference.ts';
import { policySchema } from './schema.ts';

const doc = readFileSync(new URL('../../docs/scaling-policy.md', import.meta.url), 'utf8');
const reference = readBlock(doc, POLICY_REFERENCE_BLOCK) ?? '';
const allPaths = schemaPaths(policySchema);

describe('docs/scaling-policy.md policy reference', () => {
  it('walks every part of the schema (objects, lists of mappings, unions)', () => {
    expect(allPaths).toEqual(
      expect.arrayContaining([
        'interval',
        'metrics[].target.type',
        'provider.executors',
        'provider.create',
        'source.prometheus.auth.bearerTokenEnv',
        'combine.formula',
        'scaleDown.policies[].period',
        'scaleToZero.idleFor',
      ]),
    );
  });

  it.each(allPaths)('documents %s', (path) => {
    const escaped = path.replace(/[.[\]]/g, (c) => `\\${c}`);
    expect(reference).toMatch(new RegExp(`^\\| (\\*\\*)?\`${escaped}\`(\\*\\*)? +\\|`, 'm'));
  });

  it('has a meaning for every field', () => {
    expect(
      schemaRows(policySchema)
        .filter((r) => r.description === '')
        .map((r) => r.path),
    ).toEqual([]);
  });

  it.each([
    ['interval', '`15s`'],
    ['scaleDown.stabilizationWindow', '`300s`'],
    ['hosts.max', '`20`'],
    ['budget.maxHosts', '`null`'],
  ])('shows the default of %s as written in YAML (%s)', (path, shown) => {
    const row = schemaRows(policySchema).find((r) => r.path === path);
    expect(row?.default).toBe(shown);
  });

  it.each(Object.keys(SCENARIOS))('lists the scenario %s', (name) => {
    expect(readBlock(doc, SCENARIO_BLOCK)).toContain(`| \`${name}\``);
  });
});
