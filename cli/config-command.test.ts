import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../config/load.ts';
import { captureIO as capture } from '../test/cli/capture.ts';
import { configCommand } from './config-command.ts';
import { main } from './main.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = join(root, 'config', 'examples');
const broken = join(root, 'config', 'testdata', 'broken.yaml');

const exampleFiles = readdirSync(examples)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(examples, f));

describe('fleetgate config check', () => {
  it('has examples to check', () => {
    expect(exampleFiles.map((f) => f.slice(examples.length + 1)).sort()).toEqual([
      'full-stack.yaml',
      'gateway-static.yaml',
    ]);
  });

  it.each(exampleFiles)('accepts the example %s and prints it resolved with secrets masked', async (file) => {
    const c = capture();
    expect(await configCommand.run(['check', file], c.io)).toBe(0);
    expect(c.err()).toBe('');
    const printed = parse(c.out());
    expect(printed.gateway.secret).toBe('********');
    expect(c.out()).not.toContain('change-me');
    // The printed form is itself a valid configuration (durations in ms, sizes in bytes).
    expect(parseConfig({ text: c.out() }).gateway.maxTimeout).toBe(printed.gateway.maxTimeout);
  });

  it('checks several files at once, as with config/examples/*.yaml', async () => {
    const c = capture();
    expect(await configCommand.run(['check', ...exampleFiles], c.io)).toBe(0);
    expect(c.out().split('\n---\n')).toHaveLength(exampleFiles.length);
  });

  it('points the full-stack example at its policy file, which exists', async () => {
    const c = capture();
    expect(await configCommand.run(['check', '--json', join(examples, 'full-stack.yaml')], c.io)).toBe(0);
    const config = JSON.parse(c.out());
    expect(config.scaler.policyFile).toBe(join(examples, 'policies', 'default.yaml'));
    expect(readdirSync(join(examples, 'policies'))).toContain('default.yaml');
    expect(config.registry).toMatchObject({ type: 'redis', url: 'redis://127.0.0.1:6379/0' });
  });

  it('rejects the broken fixture with the field path and line of each problem, exit 1', async () => {
    const c = capture();
    expect(await configCommand.run(['check', broken], c.io)).toBe(1);
    expect(c.out()).toBe('');
    const err = c.err();
    expect(err).toContain('invalid configuration (4 problems)');
    expect(err).toContain(`gateway.healthCheck.interval: must not be negative, got "-5s" (${broken}:7:15)`);
    expect(err).toContain(
      `gateway.executors.1: must be host[:port] or an http(s):// URL, got "ftp://exec2" (${broken}:10:7)`,
    );
    expect(err).toContain(`gateway.retrys: unknown key (did you mean retries?) (${broken}:11:3)`);
    expect(err).toContain(`registry.url: Redis URL only redis-cluster:// URLs may list several nodes`);
    expect(err).toContain(`(${broken}:14:8)`);
    expect(err).not.toContain('do-not-print');
  });

  // Issue 18 finding 3: `redis://PASSWORD@host` and `?password=` were printed unmasked.
  it.each([
    ['redis://hunter2-pw@127.0.0.1:6379/0', 'redis://********@127.0.0.1:6379/0'],
    ['redis://:hunter2-pw@127.0.0.1:6379/0', 'redis://:********@127.0.0.1:6379/0'],
    ['redis://app:hunter2-pw@127.0.0.1:6379/0', 'redis://app:********@127.0.0.1:6379/0'],
  ])('prints %s masked as %s', async (url, shown) => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-config-check-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, `registry:\n  type: redis\n  url: "${url}"\n`);
      const c = capture();
      expect(await configCommand.run(['check', '--json', file], c.io)).toBe(0);
      expect(JSON.parse(c.out()).registry.url).toBe(shown);
      expect(c.out() + c.err()).not.toContain('hunter2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports errors as JSON with --json', async () => {
    const c = capture();
    expect(await configCommand.run(['check', '--json', broken], c.io)).toBe(1);
    const errors = JSON.parse(c.err());
    expect(errors.code).toBe('CONFIG_INVALID');
    expect(errors.issues).toContainEqual({
      path: 'gateway.retrys',
      message: 'unknown key (did you mean retries?)',
      source: `${broken}:11:3`,
    });
    expect(c.err()).not.toContain('do-not-print');
  });

  it('applies the environment unless --ignore-env', async () => {
    const file = join(examples, 'gateway-static.yaml');
    const withEnv = capture({ PORT: '9999' });
    expect(await configCommand.run(['check', '--json', file], withEnv.io)).toBe(0);
    expect(JSON.parse(withEnv.out()).gateway.port).toBe(9999);
    const without = capture({ PORT: '9999' });
    expect(await configCommand.run(['check', '--json', '--ignore-env', file], without.io)).toBe(0);
    expect(JSON.parse(without.out()).gateway.port).toBe(80);
  });

  it('names the environment variable of a bad override', async () => {
    const c = capture({ OPR_PROXY_EXECUTORS: 'exec1,https://exec2' });
    expect(await configCommand.run(['check', join(examples, 'gateway-static.yaml')], c.io)).toBe(1);
    expect(c.err()).toContain(
      'gateway.executors: entries must be host[:port] without a scheme; not valid: "https://exec2" (from OPR_PROXY_EXECUTORS)',
    );
  });

  it('checks FLEETGATE_CONFIG when no FILE is given', async () => {
    const c = capture({ FLEETGATE_CONFIG: broken });
    expect(await configCommand.run(['check'], c.io)).toBe(1);
    expect(c.err()).toContain('gateway.retrys');
  });

  it('says when the file does not exist, exit 1', async () => {
    const c = capture();
    expect(await configCommand.run(['check', join(examples, 'nope.yaml')], c.io)).toBe(1);
    expect(c.err()).toContain('no such file');
  });

  it.each([
    [['check', '--help'], 0, 'Usage: fleetgate config check'],
    [['--help'], 0, 'Usage: fleetgate config check'],
  ])('prints help for %j', async (argv, code, text) => {
    const c = capture();
    expect(await configCommand.run(argv, c.io)).toBe(code);
    expect(c.out()).toContain(text);
  });

  it.each([
    [['config'], 'Usage: fleetgate config check'],
    [['config', 'frobnicate'], 'unknown subcommand "frobnicate"'],
    [['config', 'check'], 'needs a FILE'],
    [['config', 'check', '--bogus', 'x.yaml'], "Unknown option '--bogus'"],
  ])('exits 2 on bad usage: %j', async (argv, text) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.err()).toContain(text);
  });

  it('is registered as `fleetgate config`', async () => {
    const c = capture();
    expect(await main(['config', 'check', join(examples, 'gateway-static.yaml')], c.io)).toBe(0);
    expect(c.out()).toContain('executors:');
  });
});
