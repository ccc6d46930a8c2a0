import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/free-port.ts';
import { TEST_FLEETGATE_IMAGE } from '../../test/support/fleetgate-image.ts';
import { numberOption, parseBenchArgs } from '../lib/args.ts';
import { type ResultTable, startResult } from '../lib/results.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/fleetgate.js`;

/** A short-interval policy: 1–4 hosts, 2 requests in flight per host, quick scale-down. */
const POLICY = `pool: default
mode: enforce
interval: 2s
hosts: { min: 1, max: 4 }
provider: { type: process, executors: 1 }
source: { gateway: {} }
metrics:
  - name: inflight
    query: sum(fleetgate_gateway_inflight_requests)
    target: { type: averagePerHost, value: 2 }
    activation: 0
    onEmpty: hold
scaleDown:
  stabilizationWindow: 10s
  policies: [{ type: Hosts, value: 1, period: 5s }]
drain: { timeout: 60s }
`;

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d;
  });
  child.stderr?.on('data', (d) => {
    text = (text + d).slice(-50_000);
  });
  return () => text;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `npm run bench:containers-scale -- --socket PATH`: `fleetgate dev --docker` (executor hosts as
 * containers of the Fleetgate image, through the docker provider) under `fleetgate load` that needs
 * about 4 hosts, then idle: the active host count over time, how long 1 → N and N → 1 took, and
 * every request's outcome (the goal: zero failed). Needs the image on the engine
 * (`npm run bench:containers` or the docker tests build it).
 */
async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const socket = args.extra.get('socket') ?? process.env.FLEETGATE_TEST_DOCKER_SOCKET;
  if (!socket)
    throw new Error('--socket PATH: the Docker engine to run on (or FLEETGATE_TEST_DOCKER_SOCKET)');
  const rps = numberOption(args, 'rps', 30);
  const seconds = numberOption(args, 'seconds', args.quick ? 20 : 45);
  const result = startResult('containers-scale', args.quick);
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-scale-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, POLICY);
  const port = await freePort();
  const dev = spawn(
    process.execPath,
    [
      BIN,
      'dev',
      '--port',
      String(port),
      '--policy',
      policy,
      '--docker',
      '--image',
      TEST_FLEETGATE_IMAGE,
      '--docker-socket',
      socket,
      // What this bench measures: executor containers with process runtimes inside.
      '--mode',
      'process',
      '--status-every',
      '1h',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const devOut = output(dev);
  const timeline: { t: number; active: number; booting: number; draining: number }[] = [];
  try {
    const banner = await until('the dev banner', 180_000, () => {
      if (dev.exitCode !== null) throw new Error(`dev exited: ${devOut()}`);
      return devOut().includes('Ctrl-C stops everything.') ? devOut() : undefined;
    });
    const secret = /secret {5}(\S+)/.exec(banner)![1]!;
    const gateway = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const res = await fetch(`${gateway}/v1/fleet`, {
          headers: { authorization: `Bearer ${secret}` },
        }).catch(() => undefined);
        const body = res ? ((await res.json()) as { hosts: { state: string }[] }) : undefined;
        if (body) {
          const count = (s: string) => body.hosts.filter((h) => h.state === s).length;
          timeline.push({
            t: (Date.now() - started) / 1000,
            active: count('active'),
            booting: count('booting'),
            draining: count('draining'),
          });
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const load = spawn(
      process.execPath,
      [
        BIN,
        'load',
        '--gateway',
        gateway,
        '--rps',
        String(rps),
        '--exec-time',
        '250ms',
        '--duration',
        `${seconds}s`,
        '--runtimes',
        '8',
        '--json',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, FLEETGATE_GATEWAY_SECRET: secret },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const loadOut = output(load);
    const loadCode = await new Promise<number | null>((r) => load.once('exit', r));
    const loadEnded = (Date.now() - started) / 1000;
    const summary = JSON.parse(loadOut().slice(loadOut().indexOf('{'))) as {
      sent: number;
      ok: number;
      errors: number;
      errorsByKind: Record<string, number>;
    };
    await until('back to one host', 180_000, () => {
      const last = timeline.at(-1);
      return last && last.active + last.booting + last.draining === 1 && last.t > loadEnded
        ? true
        : undefined;
    }).catch(() => undefined);
    polling = false;
    await poller;
    const peak = Math.max(...timeline.map((p) => p.active));
    const firstPeak = timeline.find((p) => p.active === peak)?.t ?? null;
    const backToOne =
      timeline.find((p) => p.t > loadEnded && p.active + p.booting + p.draining === 1)?.t ?? null;
    const table: ResultTable = {
      title: `fleetgate dev --docker under ${rps} req/s × 250 ms for ${seconds} s, then idle`,
      columns: ['what', 'value'],
      rows: [
        ['requests sent / ok / failed', `${summary.sent} / ${summary.ok} / ${summary.errors}`],
        ['load exit code', loadCode],
        ['active executor containers at peak', peak],
        ['seconds from load start to the peak', firstPeak],
        [
          'seconds from load end to one host again',
          backToOne === null ? null : Math.round((backToOne - loadEnded) * 10) / 10,
        ],
      ],
      notes: [`errors by kind: ${JSON.stringify(summary.errorsByKind)}`],
    };
    result.finish(
      args.outDir,
      [table],
      [
        'Policy: interval 2s, 1–4 hosts, inflight averagePerHost 2, scale-down window 10s, one host per 5s.',
        'Hosts: containers of the Fleetgate image (docker provider, host network, 512 MiB / 1 CPU / 512 pids); runtimes are processes inside them.',
      ],
      { timeline, summary },
    );
  } finally {
    if (dev.exitCode === null) dev.kill('SIGTERM');
    await new Promise((r) => (dev.exitCode !== null ? r(undefined) : dev.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
