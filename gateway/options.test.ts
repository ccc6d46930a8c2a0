import { describe, expect, it } from 'vitest';
import { resolveGatewayOptions } from './options.ts';

describe('resolveGatewayOptions', () => {
  it('fills defaults, including nested groups given in part', () => {
    const o = resolveGatewayOptions({
      healthCheck: { probeBackoff: { max: 9 } },
      placement: { maxEntries: 5 },
    });
    expect(o.healthCheck).toEqual({
      interval: 10_000,
      timeout: 2_000,
      ejectAfter: 3,
      probeBackoff: { min: 1_000, max: 9 },
    });
    expect(o.placement).toEqual({ maxEntries: 5, resyncInterval: 30_000 });
    expect(o.bodyLimit).toBe(22 * 1024 * 1024);
    expect(Object.isFrozen(o)).toBe(true);
  });
});
