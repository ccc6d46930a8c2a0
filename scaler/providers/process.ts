import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/free-port.ts';
import type { Logger } from '../../lib/logger.ts';
import { FLEETGATE_ENTRY } from '../../lib/package-root.ts';
import { executorEnv } from './executor-env.ts';
import { type CreateContext, type HostProvider, ProviderError, type ProvisionedHost } from './types.ts';

/**
 * How the executor secret reaches an executor: written to an inherited pipe on this fd, read once
 * by `fleetgate executor --secret-file /dev/fd/3`. Not the environment: a runtime running as the
 * same user can read its executor's /proc/<pid>/environ.
 */
const SECRET_FD = 3;

/** The `fleetgate` entry point the process provider runs (`fleetgate executor …`). */
export const FLEETGATE_BIN = FLEETGATE_ENTRY;

/** Options of the process provider. */
export interface ProcessProviderOptions {
  pool: string;
  /** Executor secret handed to each executor over a pipe (never in its environment, argv or the registry). */
  executorSecret: string;
  /** Extra `fleetgate executor` arguments (e.g. `--mode simulated`). */
  executorArgs?: string[];
  /**
   * Extra environment for the executors. Otherwise they get only executor-env.ts's allowlist of
   * the scaler's environment, never its secrets.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Where each executor's stdout and stderr go (`<logDir>/<host id>.log`). Files, not pipes: an
   * executor must outlive a scaler that dies, and a closed pipe would break its logging. Default:
   * a private folder made for this provider (`$TMPDIR/fleetgate-executors-XXXXXX`, mode 0700).
   */
  logDir?: string;
  /** Whether `close()` stops the executors this provider started (`fleetgate dev`); default false. */
  stopOnClose?: boolean;
  /** How long `destroy` waits after SIGTERM (the executor drains its runtimes) before SIGKILL. */
  stopTimeoutMs?: number;
  logger: Logger;
  /**
   * What to run for a host on `port`; defaults to `node bin/fleetgate.js executor --port P
   * --bind 127.0.0.1 --hostname <id> …executorArgs`. Injected by tests.
   */
  command?: (port: number) => { command: string; args: string[] };
}

/**
 * Starts each host as a local `fleetgate executor` child process on a free port (the embedded
 * default). Hosts carry their pid and port as labels so another scaler on the same machine (a
 * follower that took over) can stop them. By default `close()` leaves them running, registered and
 * serving, for the next leader to manage; with `stopOnClose` it stops them.
 */
export function createProcessProvider(options: ProcessProviderOptions): HostProvider {
  const log = options.logger.child({ component: 'provider', provider: 'process' });
  const children = new Map<string, ChildProcess>();
  /** Ports handed to executors of this provider: two parallel creates must not both get one port. */
  const claimedPorts = new Set<number>();
  const stopTimeoutMs = options.stopTimeoutMs ?? 35_000;
  // Made on the first create: a fixed shared folder let another user plant symlinks (issue 18).
  let logDir = options.logDir;
  const command =
    options.command ??
    ((port: number) => ({
      command: process.execPath,
      args: [
        FLEETGATE_BIN,
        'executor',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        // Runtime objects then name the registry host id.
        '--hostname',
        `${options.pool}-p${port}`,
        ...(options.executorArgs ?? []),
      ],
    }));

  async function stopPid(pid: number, child: ChildProcess | undefined): Promise<void> {
    if (!alive(pid)) return;
    const exited = child
      ? new Promise<void>((r) =>
          child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
        )
      : undefined;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + stopTimeoutMs;
    while (alive(pid) && Date.now() < deadline) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
    }
    if (alive(pid)) {
      log.warn({ pid }, 'executor did not stop after SIGTERM; killing it');
      signal(pid, 'SIGKILL');
      await exited;
      const hard = Date.now() + 5000;
      while (alive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
    }
  }

  return {
    kind: 'process',
    async create({ signal: abort }: CreateContext): Promise<ProvisionedHost> {
      if (abort?.aborted) throw new ProviderError('PROVIDER_TIMEOUT', 'aborted before start');
      let port = await freePort();
      // The kernel may offer a port again once its probe socket closed, before the executor binds it.
      while (claimedPorts.has(port)) port = await freePort();
      claimedPorts.add(port);
      const id = `${options.pool}-p${port}`;
      const { command: bin, args } = command(port);
      if (logDir === undefined) logDir = mkdtempSync(join(tmpdir(), 'fleetgate-executors-'));
      else mkdirSync(logDir, { recursive: true, mode: 0o700 });
      const logFile = join(logDir, `${id}.log`);
      const fd = openExecutorLog(logFile);
      const child = spawn(bin, [...args, '--secret-file', `/dev/fd/${SECRET_FD}`], {
        env: executorEnv(process.env, { ...options.env, FLEETGATE_HOST_ID: id }),
        stdio: ['ignore', fd, fd, 'pipe'],
      });
      closeSync(fd);
      const secretPipe = child.stdio[SECRET_FD] as NodeJS.WritableStream | null;
      secretPipe?.on('error', () => {});
      secretPipe?.end(options.executorSecret);
      const spawned = await new Promise<Error | undefined>((resolve) => {
        child.once('spawn', () => resolve(undefined));
        child.once('error', resolve);
      });
      if (spawned || !child.pid) {
        claimedPorts.delete(port);
        throw new ProviderError('PROVIDER_CREATE_FAILED', `could not start ${bin}: ${spawned?.message}`, {
          cause: spawned,
        });
      }
      const pid = child.pid;
      // Executors outlive the scaler (the next leader manages them): a referenced child would keep
      // this process alive after SIGTERM until every executor exited (issue 20: the scaler "hung").
      child.unref();
      const childLog = log.child({ host: id, pid });
      child.once('exit', (code, sig) => {
        children.delete(id);
        claimedPorts.delete(port);
        childLog.info({ code, signal: sig }, 'executor process exited');
      });
      children.set(id, child);
      childLog.info({ port, logFile }, 'executor process started');
      return { id, url: `http://127.0.0.1:${port}`, labels: { pid: String(pid), port: String(port) } };
    },

    async destroy(host: ProvisionedHost): Promise<void> {
      const child = children.get(host.id);
      if (child?.pid) return stopPid(child.pid, child);
      const pid = foreignPid(host);
      if (pid !== undefined) await stopPid(pid, undefined);
    },

    async exists(host: ProvisionedHost): Promise<boolean | undefined> {
      const child = children.get(host.id);
      if (child) return child.exitCode === null && child.signalCode === null && alive(child.pid ?? 0);
      const pid = Number(host.labels.pid);
      if (!Number.isInteger(pid) || pid <= 0) return undefined;
      return foreignPid(host) !== undefined;
    },

    async close(): Promise<void> {
      if (!options.stopOnClose) return;
      await Promise.all([...children.values()].map((c) => (c.pid ? stopPid(c.pid, c) : undefined)));
    },
  };
}

/**
 * Opens an executor's log file for appending: mode 0600, and never through a symlink planted at
 * its path (O_NOFOLLOW: ELOOP instead), so nobody else can read it or redirect it elsewhere.
 */
export function openExecutorLog(path: string): number {
  return openSync(
    path,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
}

/**
 * The pid of a host started by another scaler process, only when that pid still runs an executor
 * on the host's port (guards against pid reuse); undefined otherwise.
 */
function foreignPid(host: ProvisionedHost): number | undefined {
  const pid = Number(host.labels.pid);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    // Split on spaces too: an executor rewrites its command line (process.title) to drop --secret.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    return cmdline.includes('executor') && cmdline.includes(String(host.labels.port)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by its parent, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
