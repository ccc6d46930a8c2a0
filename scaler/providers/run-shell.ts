import { spawn } from 'node:child_process';
import { redactTail } from '../../lib/redact.ts';
import { ProviderError } from './types.ts';

/** How a shell command ended. */
export interface ShellResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Bound on the output kept per command (the tail is what explains a failure). */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs `sh -c command` in its own process group with extra environment, and resolves when the
 * shell exits (not when its pipes close: a command may leave a daemon holding stdout). On timeout
 * or abort the whole group is SIGKILLed and the promise rejects with PROVIDER_TIMEOUT.
 */
export function runShell(
  command: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout = (stdout + String(d)).slice(-OUTPUT_LIMIT);
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + String(d)).slice(-OUTPUT_LIMIT);
    });
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      killGroup();
      cleanup();
      // The command itself may hold a token too: redacted like its output.
      reject(
        new ProviderError(
          'PROVIDER_TIMEOUT',
          `${why}: ${redactTail(command, TAIL_CHARS)}\n${tail(stdout, stderr)}`,
        ),
      );
    };
    const timer = setTimeout(() => fail(`no exit within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => fail('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A daemon started by the command may keep our pipes open: let go of them.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(
        new ProviderError('PROVIDER_CREATE_FAILED', `could not run sh: ${error.message}`, { cause: error }),
      );
    });
    child.once('exit', (code, sig) => {
      if (settled) return;
      settled = true;
      // Give the last buffered chunks a turn before reading them.
      setImmediate(() => {
        cleanup();
        resolve({ code, signal: sig, stdout, stderr });
      });
    });
  });
}

/** Most characters of one stream that reach an error message (and from there /explain). */
export const TAIL_CHARS = 1000;

/**
 * The last lines of a command's output for error messages (which end up in decision records and
 * the scaler's /explain): at most `lines` lines and TAIL_CHARS characters per stream, with
 * credentials masked by the one redactor (lib/redact.ts): a create command may print a deploy token.
 */
export function tail(stdout: string, stderr: string, lines = 10): string {
  const pick = (text: string) => redactTail(text.trimEnd().split('\n').slice(-lines).join('\n'), TAIL_CHARS);
  return [stdout && `stdout:\n${pick(stdout)}`, stderr && `stderr:\n${pick(stderr)}`]
    .filter(Boolean)
    .join('\n');
}
