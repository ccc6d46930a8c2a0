import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** A child process the benchmark started and must stop by pid. */
export interface Tracked {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Last lines of stdout+stderr, for error messages. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

const live = new Set<Tracked>();

/** Whether `bin` is an executable on PATH. */
export function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, bin)));
}

/** Options for `startProcess`. */
export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** CPU list for `taskset -c` (e.g. "0"); undefined runs unpinned. */
  cpus?: string | undefined;
}

/** Whether `taskset` is on PATH and there are at least two CPUs to split. */
export function canPin(nproc: number): boolean {
  return nproc >= 2 && ['/usr/bin/taskset', '/bin/taskset'].some((p) => existsSync(p));
}

/**
 * Starts `cmd args` (through `taskset -c <cpus>` when asked; taskset execs, so the pid is the
 * command's own) and tracks it so `stopAll` can end it by pid on exit or failure.
 */
export function startProcess(name: string, cmd: string, args: string[], options: StartOptions = {}): Tracked {
  const [file, argv] =
    options.cpus !== undefined ? ['taskset', ['-c', options.cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tracked: Tracked = { name, pid: child.pid, child, output: () => tail, exited };
  live.add(tracked);
  void exited.then(() => live.delete(tracked));
  return tracked;
}

/** Stops one process by pid: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(p: Tracked, graceMs = 3000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Stops every process still tracked, each by its pid. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProcess(p)));
}

/** Last-resort cleanup when the benchmark process itself is interrupted: SIGKILL each pid we own. */
function killLiveSync(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

let hooksInstalled = false;
/** Kills every tracked child when this process exits or is interrupted (SIGINT/SIGTERM). */
export function installCleanupHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLiveSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      writeSync(2, `\n[bench] ${signal}: stopping ${live.size} child process(es)\n`);
      killLiveSync();
      process.exit(130);
    });
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; throws after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 15_000, proc?: Tracked): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${proc.name} exited before listening on ${port}:\n${proc.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `nothing listening on port ${port} after ${timeoutMs} ms${proc ? `:\n${proc.output()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of `pid` and all its descendants (nginx's master and worker), read from /proc. */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // exited while scanning
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
export const CLOCK_TICKS = 100;

/** CPU seconds (user + system) used so far by `pid` and its descendants; 0 for pids that are gone. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name: state is field 3, utime 14, stime 15 (1-based, man 5 proc).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / CLOCK_TICKS;
}
