import { describe, expect, it } from 'vitest';
import { poolKeys, poolOfChannel } from './keys.ts';

describe('poolKeys', () => {
  it('builds every key of a pool with the pool in a hash tag', () => {
    expect(poolKeys('default')).toEqual({
      hosts: 'fleetgate:{default}:hosts',
      version: 'fleetgate:{default}:version',
      changed: 'fleetgate:{default}:changed',
      leader: 'fleetgate:{default}:leader',
      decisions: 'fleetgate:{default}:decisions',
      createLock: 'fleetgate:{default}:create:',
      keeper: 'fleetgate:{default}:keeper',
      keepWarmCalls: 'fleetgate:{default}:keepwarm:calls',
      drainIntents: 'fleetgate:{default}:drain:intents',
      drainAcks: 'fleetgate:{default}:drain:acks',
    });
  });

  it('uses a configured prefix', () => {
    expect(poolKeys('eu', 'acme').hosts).toBe('acme:{eu}:hosts');
  });

  it.each([
    ['fleetgate:{eu-1}:changed', 'fleetgate', 'eu-1'],
    ['acme:{p}:changed', 'acme', 'p'],
    ['fleetgate:{eu}:hosts', 'fleetgate', undefined],
    ['other:{eu}:changed', 'fleetgate', undefined],
  ])('poolOfChannel(%s, %s) = %s', (channel, prefix, pool) => {
    expect(poolOfChannel(channel, prefix)).toBe(pool);
  });
});
