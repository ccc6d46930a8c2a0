import { spawn } from 'node:child_process';

/** One shell command to run. */
export interface ShellCommand {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Past this the command and everything it started are killed (SIGKILL to its process group). */
  timeoutMs: number;
  /** Called with each non-blank output line (stdout and stderr interleaved, without the newline). */
  onLine?: (line: string) => void;
  /** Aborting kills the command as a timeout does. */
  signal?: AbortSignal;
}

/** How a command ended; `output` is its stdout and stderr, the last `MAX_OUTPUT_CHARS` kept. */
export interface ShellResult {
  /** Exit code; 128 + signal number when a signal ended it; -1 when it could not start. */
  code: number;
  timedOut: boolean;
  aborted: boolean;
  output: string;
}

/**
 * Where a build command runs: on this host (`runShell`), or somewhere else that sees the same
 * folders (a container with `mountRoot` mounted at the same path). `spec` is the build's runtime.
 */
export type BuildShell = (
  cmd: ShellCommand,
  where: { spec: import('../backend.ts').RuntimeSpec; mountRoot: string },
) => Promise<ShellResult>;

/** Output a command keeps for its answer (the real executor cuts build logs at 1 MiB). */
export const MAX_OUTPUT_CHARS = 1024 * 1024;
/** Longest single line passed to `onLine` (a minified bundle printed whole must not be one log line). */
const MAX_LINE_CHARS = 8 * 1024;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs `bash -c <command>` (the real executor's shell) in its own process group, with exactly the
 * given environment, and resolves once it exited; never rejects.
 */
export function runShell(cmd: ShellCommand): Promise<ShellResult> {
  return new Promise((resolve) => {
    let output = '';
    let partial = '';
    let timedOut = false;
    let aborted = false;
    const emit = (line: string) => {
      // Blank lines carry nothing in a log (the runtime's own output skips them too).
      if (line.trim() === '') return;
      cmd.onLine?.(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut)` : line);
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (output.length > 2 * MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
      if (partial.length > MAX_LINE_CHARS) {
        emit(partial);
        partial = '';
      }
    };
    const child = spawn('bash', ['-c', cmd.command], {
      cwd: cmd.cwd,
      env: cmd.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, cmd.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    cmd.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cmd.signal?.removeEventListener('abort', onAbort);
      if (partial !== '') emit(partial);
      // Whatever the command left running in its group goes with it.
      killGroup();
      resolve({ code, timedOut, aborted, output: output.slice(-MAX_OUTPUT_CHARS) });
    };
    child.once('error', (error) => {
      output += `${error.message}\n`;
      finish(-1);
    });
    // Background processes the command left behind go with it (they would hold its output open).
    child.once('exit', () => killGroup());
    // 'close', not 'exit': every byte of output has been read by then.
    child.once('close', (code, signal) => finish(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0)));
    if (cmd.signal?.aborted) onAbort();
  });
}
