import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WATCHDOG_SCRIPT = fileURLToPath(new URL('./runtime/watchdog.mjs', import.meta.url));

/** Tells the watchdog which runtime process groups to kill if this process dies. */
export interface RuntimeWatchdog {
  watch(pgid: number): void;
  unwatch(pgid: number): void;
}

/**
 * One watchdog process per executor (executor/runtime/watchdog.mjs), started on the first runtime.
 * It holds a pipe to this process: when the pipe closes (exit, crash, SIGKILL) it SIGKILLs every
 * runtime group still listed, so runtimes die with their executor whatever they run and whether or
 * not they watch an IPC channel. Linux has PR_SET_PDEATHSIG for this, which Node does not expose.
 */
export function createRuntimeWatchdog(): RuntimeWatchdog {
  let child: ChildProcess | undefined;
  const send = (line: string) => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      child = spawn(process.execPath, [WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', () => {});
      child.stdin?.on('error', () => {});
      // Neither the process nor its pipe keeps the executor's event loop alive.
      child.unref();
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.stdin?.write(`${line}\n`);
  };
  return {
    watch: (pgid) => send(`+${pgid}`),
    unwatch: (pgid) => {
      if (child !== undefined) send(`-${pgid}`);
    },
  };
}
