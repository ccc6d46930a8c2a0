import { describe, expect, it } from 'vitest';
import { executorAddressSchema } from '../config/schema/common.ts';
import { validateHostInput } from '../registry/host.ts';
import { testFleet } from '../test/support/gateway-fleet.ts';
import { executorUrl, parseExecutorUrl } from './executor-url.ts';

describe('parseExecutorUrl', () => {
  it.each([
    ['exec1', 'http://exec1'],
    ['exec1:3000', 'http://exec1:3000'],
    ['10.0.0.5:8080', 'http://10.0.0.5:8080'],
    ['[::1]:9000', 'http://[::1]:9000'],
    ['  exec1:3000 ', 'http://exec1:3000'],
    ['http://exec1:3000/', 'http://exec1:3000'],
    ['http://H:80', 'http://h'],
    ['https://exec.example.com', 'https://exec.example.com'],
  ])('%j becomes %j', (text, url) => {
    expect(parseExecutorUrl(text)).toEqual({ ok: true, url });
  });

  it.each([
    ['', /must be host\[:port\] or an http\(s\):\/\/ URL/],
    ['ftp://exec1', /must be host\[:port\] or an http\(s\):\/\/ URL/],
    ['http://', /must be host/],
    ['exec1:99999', /must be host/],
    ['exec1:0', /must be host/],
    ['exec 1', /must be host/],
    ['http://u:hunter2@exec1', /must not carry credentials/],
    ['http://exec1/base', /must not have a path \(got "\/base"\)/],
    ['https://exec.example.com/base/', /must not have a path/],
    ['exec1:3000/v1', /must not have a path/],
    ['http://exec1?x=1', /must not have a query or fragment/],
    ['http://exec1#f', /must not have a query or fragment/],
  ])('%j is rejected: %s', (text, reason) => {
    const result = parseExecutorUrl(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).not.toContain('hunter2');
    }
  });

  it('without `bare`, a scheme is required', () => {
    expect(executorUrl('exec1:3000', { bare: false })).toBeUndefined();
    expect(parseExecutorUrl('exec1:3000', { bare: false })).toEqual({
      ok: false,
      reason: 'must be an http:// or https:// URL',
    });
    expect(executorUrl('http://exec1:3000', { bare: false })).toBe('http://exec1:3000');
  });
});

describe('config, registry and gateway read executor URLs alike', () => {
  const inGateway = (url: string): boolean => {
    const fleet = testFleet();
    fleet.apply([{ id: 'x', url, state: 'active', weight: 1, source: 'registry' }]);
    const kept = fleet.byId.has('x');
    void fleet.close();
    return kept;
  };
  const inRegistry = (url: string): boolean => {
    try {
      validateHostInput({ id: 'x', url });
      return true;
    } catch {
      return false;
    }
  };
  const inConfig = (url: string): boolean => executorAddressSchema.safeParse(url).success;

  // Before one module held the grammar, the config and the registry accepted a URL with a path and
  // every gateway dropped the host ("host has an invalid url; ignored").
  it.each([
    'http://10.0.0.5:8080',
    'http://10.0.0.5:8080/',
    'https://exec.example.com',
    'http://exec1:3000/base',
    'https://exec.example.com/base/',
    'http://exec1:3000?x=1',
    'http://u:p@exec1:3000',
    'ftp://exec1',
  ])('%j: a URL the registry and config accept, the gateway uses', (url) => {
    expect({ registry: inRegistry(url), config: inConfig(url) }).toEqual({
      registry: inGateway(url),
      config: inGateway(url),
    });
  });
});
