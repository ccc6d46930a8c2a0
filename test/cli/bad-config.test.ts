import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { freePort } from '../../lib/free-port.ts';
import { captureIO } from './capture.ts';

// Issue 2, bad input: each of these "gives one clear error that names the field and value, and exits
// non-zero before anything starts". Run in process through `main`, as `fleetgate <command>` would be;
// the port is free before and must still be free after (nothing started listening).
const dir = mkdtempSync(join(tmpdir(), 'fleetgate-bad-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('gateway and scaler refuse a bad configuration before anything starts', () => {
  it.each<[string, string[], Record<string, string>, string]>([
    [
      'invalid YAML',
      ['gateway', '--config', file('yaml.yaml', 'gateway:\n  port: 1\n bad: 2\n')],
      {},
      'invalid YAML in',
    ],
    [
      'an unknown key',
      ['gateway', '--config', file('unknown.yaml', 'gateway:\n  secrett: s\n')],
      {},
      'gateway.secrett: unknown key (did you mean secret?)',
    ],
    [
      'a wrong type',
      ['scaler', '--config', file('type.yaml', 'scaler:\n  leaseTtl: [15s]\n')],
      {},
      'scaler.leaseTtl: must be a duration',
    ],
    [
      'a negative duration',
      ['gateway', '--config', file('negative.yaml', 'gateway:\n  maxTimeout: -5s\n')],
      {},
      'gateway.maxTimeout: must not be negative, got "-5s"',
    ],
    [
      'a malformed Redis URL from the environment',
      ['scaler'],
      { OPR_PROXY_CONNECTIONS_STATE: 'redis://h:0' },
      'registry.url: Redis URL port must be 1-65535, got "redis://h:0" (from OPR_PROXY_CONNECTIONS_STATE)',
    ],
    [
      'an OPR_PROXY_EXECUTORS entry that is not host[:port]',
      ['gateway'],
      { OPR_PROXY_SECRET: 's', OPR_PROXY_EXECUTORS: '10.0.0.1:80,ftp://x' },
      'OPR_PROXY_EXECUTORS',
    ],
  ])('%s', async (_name, argv, env, message) => {
    const port = await freePort();
    const c = captureIO({
      FLEETGATE_GATEWAY_PORT: String(port),
      FLEETGATE_SCALER_PORT: String(port),
      ...env,
    });
    const code = await main(argv, c.io);
    expect(code, c.err()).not.toBe(0);
    expect(c.err()).toContain(message);
    expect(c.out()).not.toContain('listening');
    // Nothing bound the port.
    expect(await freePortIsFree(port)).toBe(true);
  });
});

async function freePortIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
