import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { ExecutorInput } from '../../executor/options.ts';
import { type RunningExecutor, type StartExecutorDeps, startExecutor } from '../../executor/server.ts';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';

/** The repository root: spawned executors run there, and it is their default allowed source root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The sample function folder (relative to REPO_ROOT) and its module. */
export const HELLO_SOURCE = 'examples/functions/hello';
export const HELLO_ENTRYPOINT = 'index.mjs';
/** An image that runs Fleetgate's Node runtime by default. */
export const NODE_IMAGE = 'openruntimes/node:v5-22';
/** The default executor secret of the test fleet. */
export const TEST_EXECUTOR_SECRET = 'executor-test-secret';

/** One spawned executor process. */
export interface ExecutorHost {
  /** Its `--hostname` (`<idPrefix>-<i>`), usable as a registry host id. */
  id: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  port: number;
}

/** N executor processes started by `startExecutors`. */
export interface ExecutorFleet {
  secret: string;
  hosts: ExecutorHost[];
  /** SIGTERM every host (they drain and stop their runtimes), SIGKILL after 10 s; idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) to host `i` and waits for it to exit. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when host `i` has exited, with its exit code and signal. */
  exited(i: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 16 KiB of host `i`'s stdout and stderr (JSON log lines), for failure messages. */
  output(i: number): string;
}

/** Options of `startExecutors`. */
export interface StartExecutorsOptions {
  secret?: string;
  mode?: 'process' | 'docker' | 'simulated';
  /** Host ids are `<idPrefix>-<i>` (default `executor`). */
  idPrefix?: string;
  legacyHealth?: boolean;
  /** Allowed `source` root; default the repository root. */
  sourceRoot?: string;
  /** Extra CLI arguments, e.g. ['--sim-cold-start', '50', '--inactive-threshold', '2s']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Per host; default 20 s (a noisy 2-core machine boots tsx slowly). */
  readyTimeoutMs?: number;
}

/** Running children and their work folders. */
const live = new Map<ChildProcess, string>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot await. Runtimes die with their executor (IPC).
  process.on('exit', () => {
    for (const [child, workDir] of live) {
      child.kill('SIGKILL');
      rmSync(workDir, { recursive: true, force: true });
    }
  });
}

/**
 * Spawns `n` real executor processes (`node bin/fleetgate.js executor`) on free ports and waits for
 * each `/v1/health`. Every child is SIGKILLed when the test process exits, even after a failure.
 */
export async function startExecutors(n: number, options: StartExecutorsOptions = {}): Promise<ExecutorFleet> {
  installExitHook();
  const secret = options.secret ?? TEST_EXECUTOR_SECRET;
  const started = await Promise.allSettled(Array.from({ length: n }, (_, i) => spawnOne(i, secret, options)));
  const ok = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((s) => s.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const at = (i: number) => {
    const s = ok[i];
    if (!s) throw new Error(`no executor host ${i} (fleet of ${ok.length})`);
    return s;
  };
  return {
    secret,
    hosts: ok.map((s) => s.host),
    stop: async () => {
      await Promise.all(ok.map((s) => s.stop()));
    },
    kill: async (i, signal = 'SIGKILL') => {
      const s = at(i);
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
      await s.exited;
    },
    exited: (i) => at(i).exited,
    output: (i) => at(i).output(),
  };
}

interface Spawned {
  host: ExecutorHost;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

async function spawnOne(i: number, secret: string, options: StartExecutorsOptions): Promise<Spawned> {
  const id = `${options.idPrefix ?? 'executor'}-${i}`;
  // A free port can be taken between probe and bind; one retry covers that race.
  for (let attempt = 0; ; attempt++) {
    try {
      return await spawnAt(await freePort(), id, secret, options);
    } catch (error) {
      if (attempt >= 1 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function spawnAt(
  port: number,
  id: string,
  secret: string,
  options: StartExecutorsOptions,
): Promise<Spawned> {
  // Our own work folder, removed when the child exits, even after SIGKILL.
  // On /dev/shm when there is one: runtime log files are written and deleted per execution.
  const workDir = mkdtempSync(
    join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'fleetgate-executor-test-'),
  );
  const args = [
    'bin/fleetgate.js',
    'executor',
    '--port',
    String(port),
    '--secret',
    secret,
    '--hostname',
    id,
    '--mode',
    options.mode ?? 'process',
    '--source-root',
    options.sourceRoot ?? REPO_ROOT,
    '--work-dir',
    workDir,
    ...(options.legacyHealth ? ['--legacy-health'] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.set(child, workDir);
  let out = '';
  const append = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-16 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      rmSync(workDir, { recursive: true, force: true });
      resolve({ code, signal });
    });
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const until = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (!(await healthy(url))) {
    if (gone) throw new Error(`executor ${id} exited before it was ready:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`executor ${id} was not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { host: { id, url, pid: child.pid!, port }, child, exited, output: () => out, stop };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await request(`${url}/v1/health`, { headersTimeout: 2000, bodyTimeout: 2000, reset: true });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/** An executor in the test process: same app and sockets, injectable clock, registry and backend. */
export async function startInProcessExecutor(
  options: Omit<ExecutorInput, 'secret'> & { secret?: string } = {},
  deps: StartExecutorDeps = {},
): Promise<RunningExecutor & { secret: string }> {
  const secret = options.secret ?? TEST_EXECUTOR_SECRET;
  const running = await startExecutor(
    { sourceRoot: REPO_ROOT, ...options, secret },
    { logger: silentLogger(), ...deps },
  );
  return { ...running, secret };
}

/** A response read whole, for assertions. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary response JSON
  json: any;
}

/**
 * One executor API call with the Bearer secret: `body` objects are sent as JSON, strings and
 * FormData as they are. `Accept: application/json` unless `headers` says otherwise.
 */
export async function callExecutor(
  url: string,
  secret: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (secret !== undefined) h.authorization = `Bearer ${secret}`;
  let payload: string | Buffer | undefined;
  if (body instanceof FormData) {
    // Encoded by the web Response so the boundary matches (undici.request wants its own FormData).
    const encoded = new Response(body);
    payload = Buffer.from(await encoded.arrayBuffer());
    h['content-type'] = encoded.headers.get('content-type')!;
  } else if (typeof body === 'string') payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  // `reset`: no keep-alive, so a helper call never leaves a pooled connection open on the executor
  // (tests count the executor's client sockets).
  const res = await request(`${url}${path}`, {
    method: method as 'GET',
    headers: h,
    body: payload,
    reset: true,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}
