import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { expect } from 'vitest';
import { StopWaiting, waitFor } from '../support/wait.ts';
import { running } from './pids.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${REPO}bin/fleetgate.js`;

/** A `fleetgate` child process with its output. */
export interface Spawned {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];

/** Runs `node bin/fleetgate.js …args` from the repository root, output captured. */
export function spawnCli(args: string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exited };
}

/** SIGKILLs every CLI child still running and every pid in `pids` still running. */
export function killAll(pids: Iterable<number>): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of pids) {
    if (!running(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Waits for the dev banner (printed once a host is healthy) and reads the gateway URL, secret and curls. */
export async function devBanner(dev: Spawned): Promise<{ gateway: string; secret: string; curls: string[] }> {
  const banner = await waitFor(
    'the dev banner',
    () => {
      if (dev.child.exitCode !== null)
        throw new StopWaiting(`fleetgate dev exited early:\n${dev.out()}\n${dev.err()}`);
      return dev.out().includes('Ctrl-C stops everything.') ? dev.out() : undefined;
    },
    120_000,
  );
  const gateway = /gateway {4}(http:\/\/\S+)/.exec(banner)?.[1];
  const secret = /secret {5}(\S+)/.exec(banner)?.[1];
  expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(secret).toMatch(/^\S+$/);
  return {
    gateway: gateway!,
    secret: secret!,
    curls: banner
      .split('\n')
      .filter((l) => l.trim().startsWith('curl '))
      .map((l) => l.trim()),
  };
}

/** Runs one of the printed one-line curl commands with undici: URL, -H headers and the -d body. */
export async function runCurl(line: string): Promise<{ status: number; text: string }> {
  const url = /curl -s -X POST (\S+)/.exec(line)?.[1];
  const headers: Record<string, string> = {};
  for (const m of line.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
  const body = /-d '(.*)'$/.exec(line)?.[1];
  expect(url, line).toBeDefined();
  expect(body, line).toBeDefined();
  const res = await request(url!, { method: 'POST', headers, body: body! });
  return { status: res.statusCode, text: await res.body.text() };
}
