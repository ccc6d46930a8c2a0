import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a started child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What `startProcess` needs to know about the child. */
export interface StartProcessOptions {
  /** Shown in error messages and logs (`redis-server`, `executor`, …). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * True once the child serves (e.g. it answers on its port, or `output` holds its "listening" line);
   * polled until `readyTimeoutMs`. Gets the child's stdout and stderr so far.
   */
  ready: (output: string) => Promise<boolean> | boolean;
  /** Default 15 s: the test machine is a noisy 2-core box running suites in parallel. */
  readyTimeoutMs?: number;
  /** Delay between readiness probes; default 10 ms. */
  pollMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 5 s. */
  stopTimeoutMs?: number;
  /** Debian package that provides `command`, named in the "not found" message. */
  packageHint?: string;
  /**
   * Called with every complete line the child writes, stdout and stderr each split on their own, from
   * its first byte to its last (unlike `output()`, which keeps only the tail).
   */
  onLine?: (line: string) => void;
}

/** A running child process, stopped by pid. */
export interface ManagedProcess {
  readonly pid: number;
  /** Settles when the child has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after the stop deadline; resolves once it has exited. */
  stop(): Promise<ExitInfo>;
  /** SIGKILL at once; resolves once it has exited. */
  kill(): Promise<ExitInfo>;
  /** The last 16 KiB of its stdout and stderr, for error messages. */
  output(): string;
}

const live = new Map<number, ChildProcess>();
const PID_DIR = join(tmpdir(), 'fleetgate-test-pids');
const OUTPUT_LIMIT = 16 * 1024;
let exitHookInstalled = false;

/** Whether `command` is an executable on PATH (or an existing path). */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

/** Throws a clear error naming the binary (and its package) when it is not on PATH. */
export function requireBinary(command: string, packageHint?: string): void {
  if (onPath(command)) return;
  const hint = packageHint ? ` (Debian: apt-get install -y ${packageHint}; \`npm test\` does this)` : '';
  throw new Error(`${command} not found on PATH: the tests need a real ${command}${hint}`);
}

/** Whether a pid is alive (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for `pid` to be gone; true when it is. */
export async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid) && Date.now() < until) await delay(20);
  return !isAlive(pid);
}

/**
 * Sends SIGTERM to `pid`, waits up to `deadlineMs` for it to exit, then SIGKILLs it.
 * Used for processes this module did not start (e.g. a pid read from a file).
 */
export async function stopPid(pid: number, deadlineMs = 5000): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, 'SIGTERM');
  const until = Date.now() + deadlineMs;
  while (isAlive(pid) && Date.now() < until) await delay(10);
  if (isAlive(pid)) signal(pid, 'SIGKILL');
  const hardUntil = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < hardUntil) await delay(10);
}

/**
 * Spawns a child, waits until `ready()` says it serves, and returns a handle that stops it by pid.
 * Every child is recorded: it is SIGKILLed when this process exits (even after a failed test), and a
 * record left by a test worker that was itself killed is reaped by the next `startProcess`.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  requireBinary(options.command, options.packageHint);
  installExitHook();
  reapOrphans();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  if (options.onLine) {
    for (const stream of [child.stdout, child.stderr]) if (stream) splitLines(stream, options.onLine);
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, sig) => resolve({ code, signal: sig })),
  );
  const pid = child.pid;
  if (pid === undefined) {
    const error = await spawnError;
    throw new Error(`${options.name}: could not start ${options.command}: ${error.message}`);
  }
  live.set(pid, child);
  record(pid, options.command);
  void exited.then(() => {
    live.delete(pid);
    unrecord(pid);
  });

  const handle = makeHandle(pid, exited, options.stopTimeoutMs ?? 5000, () => output);
  const timeoutMs = options.readyTimeoutMs ?? 15_000;
  const until = Date.now() + timeoutMs;
  let early: ExitInfo | undefined;
  void exited.then((info) => {
    early = info;
  });
  for (;;) {
    if (early) {
      throw new Error(
        `${options.name} exited before it was ready (code ${early.code}, signal ${early.signal}):\n${output}`,
      );
    }
    if (
      await Promise.resolve(output)
        .then(options.ready)
        .catch(() => false)
    )
      return handle;
    if (Date.now() > until) {
      await handle.kill();
      throw new Error(`${options.name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await delay(options.pollMs ?? 10);
  }
}

function makeHandle(
  pid: number,
  exited: Promise<ExitInfo>,
  stopTimeoutMs: number,
  output: () => string,
): ManagedProcess {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    pid,
    exited,
    output,
    async stop() {
      if (!done) {
        signal(pid, 'SIGTERM');
        const timer = setTimeout(() => signal(pid, 'SIGKILL'), stopTimeoutMs);
        const info = await exited;
        clearTimeout(timer);
        return info;
      }
      return exited;
    },
    async kill() {
      if (!done) signal(pid, 'SIGKILL');
      return exited;
    },
  };
}

/** Calls `onLine` with each complete line of `stream` (and the unterminated rest at its end). */
function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (partial !== '') onLine(partial);
    partial = '';
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is, and leaves nothing behind.
  process.on('exit', () => {
    for (const pid of live.keys()) signal(pid, 'SIGKILL');
  });
}

/** Files `<child pid>` holding `<owner pid> <command>`, so a killed test worker's children can be reaped. */
function record(pid: number, command: string): void {
  try {
    mkdirSync(PID_DIR, { recursive: true });
    writeFileSync(join(PID_DIR, String(pid)), `${process.pid} ${command}`);
  } catch {
    // best effort: the exit hook still covers the normal case
  }
}

function unrecord(pid: number): void {
  rmSync(join(PID_DIR, String(pid)), { force: true });
}

/** SIGKILLs children whose owning test process has died, when the pid still runs the same command. */
export function reapOrphans(): void {
  let entries: string[];
  try {
    entries = readdirSync(PID_DIR);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    try {
      const [owner, command] = readFileSync(join(PID_DIR, entry), 'utf8').split(' ', 2);
      if (isAlive(Number(owner))) continue;
      // Guard against pid reuse: only kill a process still running the recorded command.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (command && cmdline.includes(command)) signal(pid, 'SIGKILL');
    } catch {
      // gone already, or unreadable: nothing to reap
    }
    unrecord(pid);
  }
}
