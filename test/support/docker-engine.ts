import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../lib/docker/index.ts';

/**
 * One private `dockerd` for a test run: everything under `runDir` (socket, exec root, pidfile,
 * log) except the data root, which is kept per checkout so built images survive between runs.
 * Host networking only (`--bridge=none --iptables=false --ip-masq=false`): nothing of the
 * machine's network is changed.
 */
export interface EngineDirs {
  /** Short path under /tmp: unix socket paths are limited to 107 bytes. */
  runDir: string;
  dataRoot: string;
}

/** A started engine, as recorded in `<runDir>/engine.json`. */
export interface EngineState {
  socketPath: string;
  pid: number;
  runDir: string;
  dataRoot: string;
  execRoot: string;
}

/** Why an engine could not start (no dockerd binary, no permission, no cgroups…): one line. */
export class EngineUnavailable extends Error {}

const STATE_FILE = 'engine.json';

/** The recorded engine of `runDir`, if one was started. */
export function readEngineState(runDir: string): EngineState | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, STATE_FILE), 'utf8')) as EngineState;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live `dockerd` (pids are reused: never signal a pid by number alone). */
export function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
}

/**
 * Starts `dockerd` detached (it outlives the test worker that starts it; the run's teardown stops
 * it) and waits until `/_ping` answers. Throws EngineUnavailable with the daemon's last log lines.
 */
export async function startEngine(dirs: EngineDirs, timeoutMs = 30_000): Promise<EngineState> {
  const which = spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' });
  if (which.status !== 0)
    throw new EngineUnavailable(
      'dockerd not found on PATH (Debian: apt-get install -y --no-install-recommends docker.io; `npm test` does this)',
    );
  const execRoot = join(dirs.runDir, 'exec');
  const socketPath = join(dirs.runDir, 'docker.sock');
  const pidfile = join(dirs.runDir, 'docker.pid');
  mkdirSync(execRoot, { recursive: true });
  mkdirSync(dirs.dataRoot, { recursive: true });
  const logFile = join(dirs.runDir, 'dockerd.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    'dockerd',
    [
      '--storage-driver=overlay2',
      `--host=unix://${socketPath}`,
      `--data-root=${dirs.dataRoot}`,
      `--exec-root=${execRoot}`,
      `--pidfile=${pidfile}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip6tables=false',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const pid = child.pid;
  if (pid === undefined)
    throw new EngineUnavailable(`dockerd could not start: ${(await spawnError).message}`);
  const state: EngineState = { socketPath, pid, runDir: dirs.runDir, dataRoot: dirs.dataRoot, execRoot };
  writeFileSync(join(dirs.runDir, STATE_FILE), JSON.stringify(state));
  const client = new DockerClient({ socketPath });
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new EngineUnavailable(`dockerd ${exited} before it answered: ${tail(logFile)}`);
      try {
        if (existsSync(socketPath)) {
          await client.ping({ timeoutMs: 2_000 });
          return state;
        }
      } catch {
        // not up yet
      }
      if (Date.now() > until) {
        await stopEngine(state);
        throw new EngineUnavailable(`dockerd did not answer /_ping within ${timeoutMs} ms: ${tail(logFile)}`);
      }
      // The daemon takes 0.2–1 s to answer; a 50 ms poll of a local socket costs nothing.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.close();
  }
}

/**
 * Removes every container and every test network of the engine, stops dockerd by its pid (after
 * checking the pid is still dockerd), unmounts what it left under the exec root and deletes the
 * run folder. Never throws: it is the last thing a run does.
 */
export async function stopEngine(state: EngineState): Promise<string[]> {
  const notes: string[] = [];
  if (isDockerd(state.pid)) {
    const client = new DockerClient({ socketPath: state.socketPath, timeoutMs: 20_000 });
    try {
      // The engine is this run's own: whatever is in it was made by the tests.
      const all = await client.containers.list({});
      await Promise.all(all.map((c) => client.containers.remove(c.id, { force: true })));
      if (all.length > 0) notes.push(`removed ${all.length} container(s) left by tests`);
      for (const n of await client.networks.list({ 'fleetgate.test': true }))
        await client.networks.remove(n.id);
    } catch (error) {
      notes.push(`cleanup before stopping dockerd failed: ${(error as Error).message}`);
    } finally {
      await client.close();
    }
    process.kill(state.pid, 'SIGTERM');
    const until = Date.now() + 20_000;
    while (isDockerd(state.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (isDockerd(state.pid)) {
      notes.push(`dockerd ${state.pid} ignored SIGTERM for 20 s: killed`);
      process.kill(state.pid, 'SIGKILL');
    }
  }
  for (const mount of leftoverMounts(state.execRoot)) {
    const result: SpawnSyncReturns<string> = spawnSync('umount', ['-l', mount], { encoding: 'utf8' });
    if (result.status !== 0) notes.push(`umount ${mount}: ${result.stderr.trim()}`);
  }
  rmSync(state.runDir, { recursive: true, force: true });
  return notes;
}

/** Mount points under the exec root still listed in /proc/self/mounts (netns files, shm, overlays). */
function leftoverMounts(execRoot: string): string[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${execRoot}/`))
      .sort((a, b) => b.length - a.length); // deepest first
  } catch {
    return []; // no /proc: nothing to do
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
