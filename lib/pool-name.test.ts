import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema/root.ts';
import { validatePool } from '../registry/host.ts';
import { policySchema } from '../scaler/policy/schema.ts';

const inConfig = (pool: string): boolean => configSchema.safeParse({ pool }).success;
const inPolicy = (pool: string): boolean => policySchema.shape.pool.safeParse(pool).success;
const inRegistry = (pool: string): boolean => {
  try {
    validatePool(pool);
    return true;
  } catch {
    return false;
  }
};

describe('config, scaling policy and registry accept the same pool names', () => {
  // Before one module held the rule, the config took "_x" and 65-character names the registry then
  // refused, and the policy refused "Default" and "eu.west" which the config and registry took.
  it.each([
    ['default', true],
    ['Default', true],
    ['eu.west-1', true],
    ['team:a_b', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['_x', false],
    ['.x', false],
    ['a{b}', false],
    ['a b', false],
    ['', false],
  ])('%j: %s everywhere', (pool, ok) => {
    expect({ config: inConfig(pool), policy: inPolicy(pool), registry: inRegistry(pool) }).toEqual({
      config: ok,
      policy: ok,
      registry: ok,
    });
  });
});
