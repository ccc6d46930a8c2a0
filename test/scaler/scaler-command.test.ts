import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureIO as capture } from '../cli/capture.ts';

describe('fleetgate scaler: bad input never starts a loop', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-scaler-cli-'));
    await writeFile(
      join(dir, 'bad.yaml'),
      'pool: p\nmetrics:\n  - name: m\n    query: sum(x)\n    target: { type: averagePerHost, value: -3 }\n',
    );
    await writeFile(
      join(dir, 'nourls.yaml'),
      'pool: p\nsource: { gateway: {} }\nprovider: { type: static, hosts: [http://127.0.0.1:9] }\n' +
        'metrics:\n  - { name: m, query: sum(x), target: { type: averagePerHost, value: 3 } }\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help', async () => {
    const c = capture();
    expect(await main(['scaler', '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: fleetgate scaler');
  });

  it.each([
    ['no policy', [], 2, 'a policy is required'],
    [
      'an unreadable policy',
      ['--policy', '/nonexistent/policy.yaml'],
      2,
      'cannot read /nonexistent/policy.yaml',
    ],
    ['an unknown option', ['--nope'], 2, 'nope'],
    [
      'a bad port',
      ['--policy', 'POLICY_DIR/nourls.yaml', '--port', '99999'],
      2,
      '--port: expected a whole number from 0 to 65535',
    ],
  ])('exits non-zero on %s', async (_name, args, code, message) => {
    const c = capture();
    const argv = (args as string[]).map((a) => a.replace('POLICY_DIR', dir));
    expect(await main(['scaler', ...argv], c.io)).toBe(code);
    expect(c.err()).toContain(message);
  });

  it('names the field and line of an invalid policy', async () => {
    const c = capture();
    expect(await main(['scaler', '--policy', join(dir, 'bad.yaml')], c.io)).toBe(1);
    expect(c.err()).toMatch(/bad\.yaml:5: metrics\[0\]\.target\.value/);
  });

  it('refuses a gateway source without gateway URLs outside fleetgate dev', async () => {
    const c = capture();
    expect(await main(['scaler', '--policy', join(dir, 'nourls.yaml'), '--port', '0'], c.io)).toBe(1);
    expect(c.err()).toContain('source.gateway.urls');
  });
});
