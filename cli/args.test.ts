import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors.ts';
import { DEFAULT_GATEWAY_URL, parseGatewayOption, parseTimeoutOption } from './args.ts';

describe('parseGatewayOption', () => {
  it('takes --gateway first, then FLEETGATE_GATEWAY_URL, then the default, as an origin', () => {
    const env = { FLEETGATE_GATEWAY_URL: 'https://gw.example:8443/ignored/path' };
    expect(parseGatewayOption('http://10.0.0.1:9000/x', env)).toBe('http://10.0.0.1:9000');
    expect(parseGatewayOption(undefined, env)).toBe('https://gw.example:8443');
    expect(parseGatewayOption(undefined, {})).toBe(new URL(DEFAULT_GATEWAY_URL).origin);
  });

  it('refuses anything but an http(s) URL, naming the value', () => {
    for (const raw of ['nope', 'ftp://host/', 'redis://127.0.0.1:6379']) {
      expect(() => parseGatewayOption(raw, {})).toThrow(UsageError);
      expect(() => parseGatewayOption(raw, {})).toThrow(`got "${raw}"`);
    }
  });
});

describe('parseTimeoutOption', () => {
  it('reads a duration in ms, the fallback when absent, at least 1', () => {
    expect(parseTimeoutOption('250ms')).toBe(250);
    expect(parseTimeoutOption(undefined)).toBe(5000);
    expect(parseTimeoutOption(undefined, '2s')).toBe(2000);
    expect(parseTimeoutOption('0s')).toBe(1);
  });

  it('refuses a bad duration with a UsageError naming --timeout', () => {
    expect(() => parseTimeoutOption('soon')).toThrow(UsageError);
    expect(() => parseTimeoutOption('soon')).toThrow('--timeout');
  });
});
