import { describe, expect, it } from 'vitest';
import { waitGone } from '../../test/support/processes.ts';
import { runShell } from './shell.ts';

const base = { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 20_000 };

describe('runShell', () => {
  it('gives the exit code, the output and each non-blank line, with exactly the given environment', async () => {
    const lines: string[] = [];
    const result = await runShell({
      ...base,
      env: { ...base.env, ONLY: 'this' },
      command: 'echo "one $ONLY"; echo; echo two >&2; echo "home=$(printenv HOME || echo unset)"; exit 7',
      onLine: (line) => lines.push(line),
    });
    expect([result.code, result.timedOut, result.aborted]).toEqual([7, false, false]);
    // stdout and stderr are two pipes: their relative order is not guaranteed.
    expect(result.output.split('\n').sort()).toEqual(['', '', 'home=unset', 'one this', 'two']);
    expect(lines.sort()).toEqual(['home=unset', 'one this', 'two']);
  });

  it('ends when the shell exits, killing what it left running in the background', async () => {
    const result = await runShell({ ...base, command: 'sleep 30 & echo $!' });
    expect(result.code).toBe(0);
    expect(await waitGone(Number(result.output.trim()))).toBe(true);
  });

  it('kills the command and its children at the timeout or on abort', async () => {
    const timed = await runShell({ ...base, timeoutMs: 200, command: 'sleep 30 & echo $!; wait' });
    expect([timed.timedOut, timed.code]).toEqual([true, 137]);
    expect(await waitGone(Number(timed.output.trim()))).toBe(true);
    const abort = new AbortController();
    const running = runShell({
      ...base,
      command: 'echo started; sleep 30',
      signal: abort.signal,
      onLine: () => abort.abort(),
    });
    expect(await running).toMatchObject({ aborted: true, timedOut: false, code: 137 });
  });

  it('answers -1 when the folder does not exist', async () => {
    const result = await runShell({ ...base, cwd: '/nonexistent-folder', command: 'true' });
    expect(result.code).toBe(-1);
    expect(result.output).toContain('ENOENT');
  });
});
