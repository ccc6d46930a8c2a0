import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/free-port.ts';
import { StopWaiting, waitFor } from './wait.ts';

/** A running `prometheus` started for a test. */
export interface PrometheusHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  pid: number;
  /** Replaces the scrape targets (`host:port` or URLs) and reloads the configuration. */
  setTargets(targets: string[]): Promise<void>;
  /** Resolves once every current target has been scraped successfully (`up == 1`). */
  waitForTargets(timeoutMs?: number): Promise<void>;
  /** Runs an instant query and returns the raw API body; for tests' own polling. */
  query(expr: string): Promise<{ status: string; data?: { result: unknown[] } }>;
  /** Stops the process (by pid) and deletes its data directory. */
  stop(): Promise<void>;
}

/** Options for {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** `host:port` or `http://host:port[/path]`; the path becomes the metrics path (default `/metrics`). */
  targets?: string[];
  /** Scrape interval in seconds (default 1, so tests see new values quickly). */
  scrapeIntervalSeconds?: number;
  /** How long to wait for `/-/ready`. */
  readyTimeoutMs?: number;
}

const JOB = 'fleetgate-test';

function config(targets: string[], interval: number): string {
  const groups = new Map<string, string[]>();
  for (const target of targets) {
    const url = new URL(target.includes('://') ? target : `http://${target}`);
    const path = url.pathname === '/' ? '/metrics' : url.pathname;
    groups.set(path, [...(groups.get(path) ?? []), url.host]);
  }
  const jobs = [...groups.entries()].map(
    ([path, hosts], i) =>
      `  - job_name: ${JSON.stringify(i === 0 ? JOB : `${JOB}-${i}`)}\n` +
      `    metrics_path: ${JSON.stringify(path)}\n` +
      `    static_configs:\n      - targets: ${JSON.stringify(hosts)}\n`,
  );
  return (
    `global:\n  scrape_interval: ${interval}s\n  scrape_timeout: ${interval}s\n  evaluation_interval: ${interval}s\n` +
    `scrape_configs:\n${jobs.join('') || '  []\n'}`
  );
}

/**
 * Starts the Debian `prometheus` binary on a free port with a generated config scraping `targets`
 * every second, its TSDB in a temporary directory; resolves once `/-/ready` answers. Call `stop()`
 * in an `afterAll`/`finally`: it kills the process by pid even when the test failed.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusHandle> {
  const interval = options.scrapeIntervalSeconds ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'fleetgate-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  let targets = options.targets ?? [];
  await writeFile(configFile, config(targets, interval));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });

  const stop = async () => {
    if (!exited && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (!exited && child.pid) process.kill(child.pid, 'SIGKILL');
      }, 5000);
      await exit;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const query = async (expr: string) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as { status: string; data?: { result: unknown[] } };
  };

  try {
    await waitFor(
      'prometheus /-/ready',
      async () => {
        if (exited) throw new StopWaiting(`prometheus exited during start: ${stderr}`);
        const res = await fetch(`${url}/-/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      options.readyTimeoutMs ?? 30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    pid: child.pid ?? 0,
    async setTargets(next) {
      targets = next;
      await writeFile(configFile, config(targets, interval));
      const res = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`prometheus reload failed: ${res.status} ${await res.text()}`);
    },
    async waitForTargets(timeoutMs = 30_000) {
      await waitFor(
        `prometheus scraping ${targets.join(', ')}`,
        async () => {
          const body = await query('up == 1');
          return (body.data?.result.length ?? 0) >= targets.length;
        },
        timeoutMs,
      );
    },
    query,
    stop,
  };
}
