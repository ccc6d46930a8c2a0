import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors.ts';
import { DEFAULT_FUNCTION, resolveLoadOptions } from './options.ts';

describe('resolveLoadOptions', () => {
  it('fills defaults and reads the gateway and secret from the environment', () => {
    const o = resolveLoadOptions({}, { FLEETGATE_GATEWAY_URL: 'http://gw:9000/', OPR_PROXY_SECRET: 's3' });
    expect(o).toMatchObject({
      gateway: 'http://gw:9000',
      secret: 's3',
      rps: 20,
      runtimes: 20,
      zipf: 1,
      durationMs: 30_000,
      source: DEFAULT_FUNCTION,
      json: false,
    });
    expect(o.trace).toBeUndefined();
  });

  it('prefers flags over the environment', () => {
    const o = resolveLoadOptions(
      { gateway: 'http://a:1', secret: 'flag', rps: '5', duration: '2m', json: true },
      { FLEETGATE_GATEWAY_SECRET: 'env', FLEETGATE_GATEWAY_URL: 'http://b:2' },
    );
    expect(o).toMatchObject({
      gateway: 'http://a:1',
      secret: 'flag',
      rps: 5,
      durationMs: 120_000,
      json: true,
    });
  });

  it('resolves trace options with their defaults', () => {
    const o = resolveLoadOptions({ trace: '/t', speedup: '120' }, {});
    expect(o.trace).toEqual({
      path: '/t',
      speedup: 120,
      startMinute: 1,
      scale: undefined,
      durationScale: 1,
      maxDurationMs: 10_000,
    });
  });

  it.each([
    { values: { rps: '0' }, message: '--rps must be a number > 0, got "0"' },
    { values: { rps: 'fast' }, message: '--rps must be a number > 0, got "fast"' },
    { values: { runtimes: '2.5' }, message: '--runtimes must be a whole number ≥ 1, got "2.5"' },
    { values: { zipf: '-1' }, message: '--zipf must be a number ≥ 0, got "-1"' },
    { values: { duration: '30' }, message: '--duration must be a duration with a unit' },
    { values: { duration: '0s' }, message: '--duration must be > 0, got "0s"' },
    { values: { gateway: 'ftp://x' }, message: '--gateway must be an http(s) URL' },
    { values: { gateway: 'not a url' }, message: '--gateway must be an http(s) URL' },
    { values: { prefix: 'a/b' }, message: '--prefix must be 1–40 characters' },
    { values: { trace: '/t', scale: '2', rps: '5' }, message: '--scale and --rps both set' },
    { values: { trace: '/t', speedup: '-3' }, message: '--speedup must be a number > 0' },
    { values: { trace: '/t', 'exec-time': '1s' }, message: '--exec-time applies to synthetic runs' },
    { values: { 'exec-time': 'long' }, message: '--exec-time must be a duration like' },
  ])('rejects $values', ({ values, message }) => {
    expect(() => resolveLoadOptions(values, {})).toThrow(UsageError);
    expect(() => resolveLoadOptions(values, {})).toThrow(message);
  });
});
