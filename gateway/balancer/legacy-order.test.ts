import { describe, expect, it } from 'vitest';
import { isLegacyAlgorithm, legacyOrder } from './legacy-order.ts';
import type { HostLoad } from './pick.ts';

const hosts: HostLoad[] = [
  { id: 'a', state: 'active', healthy: true, inflight: 0 },
  { id: 'b', state: 'draining', healthy: true, inflight: 0 },
  { id: 'c', state: 'active', healthy: false, inflight: 0 },
  { id: 'd', state: 'active', healthy: true, inflight: 0 },
  { id: 'e', state: 'active', healthy: true, inflight: 0 },
];

describe('legacyOrder', () => {
  it.each([
    ['first', 0, 0.9, ['a', 'd', 'e']],
    ['last', 0, 0.9, ['e', 'a', 'd']],
    ['round-robin', 0, 0, ['a', 'd', 'e']],
    ['round-robin', 1, 0, ['d', 'e', 'a']],
    ['round-robin', 5, 0, ['e', 'a', 'd']],
    ['random', 0, 0.5, ['d', 'e', 'a']],
    ['random', 0, 0.99, ['e', 'a', 'd']],
  ] as const)('%s turn=%i random=%f → %j', (algorithm, turn, r, order) => {
    expect(legacyOrder(hosts, algorithm, turn, () => r)).toEqual(order);
  });

  it('falls back to unhealthy active hosts, and to nothing', () => {
    expect(legacyOrder([hosts[1]!, hosts[2]!], 'first', 0, Math.random)).toEqual(['c']);
    expect(legacyOrder([hosts[1]!], 'first', 0, Math.random)).toEqual([]);
  });

  it('leaves out unhealthy hosts listed before the first healthy one', () => {
    const unhealthyFirst = [hosts[2]!, { ...hosts[2]!, id: 'f' }, hosts[3]!, hosts[4]!];
    expect(legacyOrder(unhealthyFirst, 'round-robin', 1, Math.random)).toEqual(['e', 'd']);
  });

  it.each([
    ['random', true],
    ['round-robin', true],
    ['p2c', false],
    ['', false],
  ])('isLegacyAlgorithm(%j) = %s', (name, legacy) => {
    expect(isLegacyAlgorithm(name)).toBe(legacy);
  });
});
