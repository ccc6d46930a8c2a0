import { describe, expect, it } from 'vitest';
import { captureIO as capture } from '../test/cli/capture.ts';
import { helpText, main, version } from './main.ts';

describe('fleetgate CLI', () => {
  it('prints help with --help and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: fleetgate <command>');
  });

  it('prints the package version with --version', async () => {
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    expect(c.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(c.out().trim()).toBe(version());
  });

  it('rejects an unknown command with exit 2 on stderr', async () => {
    const c = capture();
    expect(await main(['no-such-command'], c.io)).toBe(2);
    expect(c.err()).toContain('unknown command "no-such-command"');
  });

  it('lists every registered command in the help text', () => {
    expect(helpText()).toContain('Commands:');
  });
});
