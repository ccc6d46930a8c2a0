import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../cli/dev/fleet-table.ts';
import type { LoadSummary } from '../../load/report.ts';
import { StopWaiting, waitFor } from '../support/wait.ts';
import { devBanner, killAll, runCurl, spawnCli } from './helpers.ts';
import { commandLine, descendants, running } from './pids.ts';

// The "done when": `fleetgate dev` as a child process; wait for readiness; run the printed
// curl commands' equivalents; run `fleetgate load` until the scaler adds a host; SIGINT; every
// process it started is gone (checked by pid).
const seenPids = new Set<number>();
afterAll(() => killAll(seenPids));

describe('fleetgate dev (npm start)', () => {
  it('serves the sample function, scales out under load, and stops every process on SIGINT', async () => {
    const dev = spawnCli(['dev', '--port', '0', '--status-every', '2s', '--log-level', 'info']);
    const track = () => {
      for (const pid of descendants(dev.child.pid!)) seenPids.add(pid);
    };
    const { gateway, secret, curls } = await devBanner(dev);
    track();
    expect(secret).toMatch(/^[0-9a-f]{24}$/);
    expect(curls).toHaveLength(2);

    // The two printed commands, as a newcomer would paste them.
    const create = await runCurl(curls[0]!);
    expect(create.status, create.text).toBe(201);
    const execute = await runCurl(curls[1]!);
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
      gateway,
      '--secret',
      secret,
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
    const grown = await waitFor(
      'the scaler to add a host',
      async () => {
        track();
        if (load.child.exitCode !== null)
          throw new StopWaiting(`fleetgate load ended first:\n${load.out()}\n${load.err()}`);
        const report = await fleet();
        return report.hosts.length > before ? report : undefined;
      },
      150_000,
    );
    expect(grown.hosts.length).toBeGreaterThan(before);
    track();

    // First Ctrl-C: load stops sending, lets what is in flight finish and prints its summary.
    load.child.kill('SIGINT');
    const loadExit = await load.exited;
    expect(loadExit.code, load.err()).toBe(0);
    const summary = JSON.parse(load.out()) as LoadSummary;
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.errorsByKind).toEqual({});

    // Every process dev started: the executors, their runtimes (and tsx's esbuild service).
    track();
    const pids = [...seenPids];
    expect(pids.length).toBeGreaterThanOrEqual(3);
    expect(pids.filter(running).length).toBeGreaterThan(0);

    dev.child.kill('SIGINT');
    const devExit = await dev.exited;
    expect(devExit, dev.err().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(dev.out()).toContain('SIGINT: draining the gateway and stopping every executor');
    expect(dev.out()).toMatch(/\[fleetgate dev \d\d:\d\d:\d\d\] hosts \d+ \(/);
    const left = await waitFor(
      'every child process to be gone',
      () => (pids.some(running) ? undefined : []),
      20_000,
    ).catch(() => pids.filter(running));
    expect(left.map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  }, 400_000);
});
