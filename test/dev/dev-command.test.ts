import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../cli/dev/fleet-table.ts';
import type { LoadSummary } from '../../load/report.ts';
import { commandLine, descendants, running } from './pids.ts';

// The "done when": `fleetgate dev` as a child process; wait for readiness; run the printed
// curl commands' equivalents; run `fleetgate load` until the scaler adds a host; SIGINT; every
// process it started is gone (checked by pid).
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${REPO}bin/fleetgate.js`;

interface Spawned {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
const seenPids = new Set<number>();

function spawnCli(args: string[]): Spawned {
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

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs one of the printed one-line curl commands with undici: URL, -H headers and the -d body. */
async function runCurl(line: string) {
  const url = /curl -s -X POST (\S+)/.exec(line)?.[1];
  const headers: Record<string, string> = {};
  for (const m of line.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
  const body = /-d '(.*)'$/.exec(line)?.[1];
  expect(url, line).toBeDefined();
  expect(body, line).toBeDefined();
  const res = await request(url!, { method: 'POST', headers, body: body! });
  return { status: res.statusCode, text: await res.body.text() };
}

afterAll(async () => {
  // Whatever happened above, leave nothing behind.
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of seenPids) {
    if (running(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

describe('fleetgate dev (npm start)', () => {
  it('serves the sample function, scales out under load, and stops every process on SIGINT', async () => {
    const dev = spawnCli(['dev', '--port', '0', '--status-every', '2s', '--log-level', 'info']);
    const track = () => {
      for (const pid of descendants(dev.child.pid!)) seenPids.add(pid);
    };
    const banner = await until('the dev banner', 120_000, () => {
      if (dev.child.exitCode !== null)
        throw new Error(`fleetgate dev exited early:\n${dev.out()}\n${dev.err()}`);
      return dev.out().includes('Ctrl-C stops everything.') ? dev.out() : undefined;
    });
    track();

    const gateway = /gateway {4}(http:\/\/\S+)/.exec(banner)?.[1];
    const secret = /secret {5}(\S+)/.exec(banner)?.[1];
    const curls = banner.split('\n').filter((l) => l.trim().startsWith('curl '));
    expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(secret).toMatch(/^[0-9a-f]{24}$/);
    expect(curls).toHaveLength(2);

    // The two printed commands, as a newcomer would paste them.
    const create = await runCurl(curls[0]!.trim());
    expect(create.status, create.text).toBe(201);
    const execute = await runCurl(curls[1]!.trim());
    expect(execute.status, execute.text).toBe(200);
    const result = JSON.parse(execute.text) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ greeting: 'Hello, Fleetgate!' });

    const fleet = async (): Promise<FleetReport> => {
      const res = await request(`${gateway}/v1/fleet`, { headers: { authorization: `Bearer ${secret}` } });
      return (await res.body.json()) as FleetReport;
    };
    const before = (await fleet()).hosts.length;
    expect(before).toBe(1);

    // 40 req/s of 400 ms executions keep ~16 requests in flight: twice the policy's 8 per host.
    const load = spawnCli([
      'load',
      '--gateway',
      gateway!,
      '--secret',
      secret!,
      '--rps',
      '40',
      '--exec-time',
      '400ms',
      '--runtimes',
      '4',
      '--duration',
      '120s',
      '--json',
    ]);
    const grown = await until('the scaler to add a host', 150_000, async () => {
      track();
      if (load.child.exitCode !== null)
        throw new Error(`fleetgate load ended first:\n${load.out()}\n${load.err()}`);
      const report = await fleet();
      return report.hosts.length > before &&
        report.hosts.some((h) => h.healthy && h.state === 'active' && h.inflight >= 0)
        ? report
        : undefined;
    });
    expect(grown.hosts.length).toBeGreaterThan(before);
    track();

    load.child.kill('SIGINT');
    const loadExit = await load.exited;
    expect(loadExit.code, load.err()).toBe(0);
    const summary = JSON.parse(load.out()) as LoadSummary;
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.errorsByKind).toEqual({});

    // Every process dev started: the executors, their runtimes, tsx's esbuild service.
    track();
    const pids = [...seenPids];
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const live = pids.filter(running);
    expect(live.length).toBeGreaterThan(0);

    dev.child.kill('SIGINT');
    const devExit = await dev.exited;
    expect(devExit, dev.err().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(dev.out()).toContain('SIGINT: draining the gateway and stopping every executor');
    expect(dev.out()).toMatch(/\[fleetgate dev \d\d:\d\d:\d\d\] hosts \d+ \(/);
    const left = await until('every child process to be gone', 20_000, () => {
      const alive = pids.filter(running);
      return alive.length === 0 ? [] : undefined;
    }).catch(() => pids.filter(running));
    expect(left.map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  }, 400_000);
});
