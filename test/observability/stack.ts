import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { freePort } from '../../lib/free-port.ts';
import {
  type ExecutorFleet,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  REPO_ROOT,
  startExecutors,
} from '../support/executors.ts';
import { type ManagedProcess, startProcess } from '../support/processes.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const PROM_DIR = fileURLToPath(new URL('../../metrics/prometheus/', import.meta.url));

/** The gateway secret of the observed stack. */
export const STACK_SECRET = 'observability-gateway-secret';
/** The pool every process of the stack serves. */
export const STACK_POOL = 'default';

/** Arguments of the simulated executors: quick cold starts, runtimes reaped after 2 s idle. */
const EXECUTOR_ARGS = [
  '--sim-cold-start',
  '150',
  '--sim-execution',
  '20',
  '--inactive-threshold',
  '2s',
  '--maintenance-interval',
  '500ms',
];

/** A scrape job of the shipped prometheus.yml, as parsed. */
export interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  file_sd_configs?: { files: string[] }[];
  relabel_configs?: unknown[];
  [key: string]: unknown;
}

/** The shipped prometheus.yml, parsed. */
export function shippedPrometheusConfig(): {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: ScrapeJob[];
} {
  return parse(readFileSync(join(PROM_DIR, 'prometheus.yml'), 'utf8'));
}

/**
 * The shipped prometheus.yml with only what a test must change: scrape/evaluation every second,
 * rule files by absolute path, the static targets of the gateway and scaler jobs, and the
 * executor job's file_sd file (written into `dir`). Everything else (job names, labels, relabeling)
 * stays as shipped.
 */
export function testPrometheusConfig(
  dir: string,
  targets: { gateway: string[]; scaler: string[]; executors: string[] },
): string {
  const config = shippedPrometheusConfig();
  config.global = {
    ...config.global,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    evaluation_interval: '1s',
  };
  config.rule_files = config.rule_files.map((f) => join(PROM_DIR, f));
  for (const job of config.scrape_configs) {
    if (job.job_name === 'fleetgate-gateway') {
      job.static_configs = job.static_configs!.map((s) => ({ ...s, targets: targets.gateway }));
    } else if (job.job_name === 'fleetgate-scaler') {
      job.static_configs = job.static_configs!.map((s) => ({ ...s, targets: targets.scaler }));
    } else if (job.job_name === 'fleetgate-executor') {
      const file = join(dir, 'executors.yml');
      writeFileSync(file, stringify([{ targets: targets.executors, labels: { pool: STACK_POOL } }]));
      job.file_sd_configs = [{ files: [file] }];
    } else {
      throw new Error(`prometheus.yml has a job the test does not know: ${job.job_name}`);
    }
  }
  return stringify(config);
}

/** A gateway, a scaler, executors, Redis and Prometheus, all real processes. */
export interface ObservedStack {
  prometheusUrl: string;
  gatewayUrl: string;
  scalerUrl: string;
  executors: ExecutorFleet;
  /** The registry's Redis (persistent: a restart keeps the hosts). */
  redis: TestRedis;
  /** Every process's output, for failure messages. */
  logs(): string;
  /** Starts executor `i` again on its port and id (after it was killed). */
  restartExecutor(i: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Awaits every start; whatever started is added to `started` (so it is stopped on failure too), and
 * the first failure is thrown once all have settled.
 */
async function settleAll<T extends readonly Promise<{ stop(): Promise<unknown> }>[]>(
  started: { stop(): Promise<unknown> }[],
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts);
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await request(url, { headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/**
 * Starts Redis, three simulated executors, `fleetgate gateway` and `fleetgate scaler` (CLI processes,
 * one config file) and `prometheus` with the shipped configuration and rules. The scaler's policy
 * registers the three executors through the static provider and reads Prometheus (one metric
 * through a recording rule, one that is always empty, so source errors exist).
 */
export async function startObservedStack(): Promise<ObservedStack> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgate-observed-'));
  const started: { stop(): Promise<unknown> }[] = [];
  const procs: [string, ManagedProcess][] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [redis, executors] = await settleAll(started, [
      // A one-node Redis Cluster, so the registry's Cluster metrics (and their panel) have data too.
      startRedis({ persist: true, cluster: true }),
      startExecutors(3, {
        mode: 'simulated',
        idPrefix: 'obs',
        args: EXECUTOR_ARGS,
      }),
    ] as const);
    const [gatewayPort, scalerPort, promPort] = [await freePort(), await freePort(), await freePort()];
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const scalerUrl = `http://127.0.0.1:${scalerPort}`;

    writeFileSync(
      join(dir, 'policy.yaml'),
      stringify({
        pool: STACK_POOL,
        mode: 'enforce',
        interval: '1s',
        hosts: { min: 3, max: 3 },
        provider: { type: 'static', hosts: executors.hosts.map((h) => h.url) },
        source: { prometheus: { url: prometheusUrl, timeout: '2s' } },
        metrics: [
          {
            name: 'inflight',
            query: `sum(pool:fleetgate_gateway_inflight_requests:sum{pool="${STACK_POOL}"})`,
            target: { type: 'averagePerHost', value: 8 },
          },
          {
            name: 'never_reported',
            query: 'sum(fleetgate_gateway_inflight_requests{host="no-such-host"})',
            target: { type: 'averagePerHost', value: 8 },
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'fleetgate.yaml'),
      stringify({
        pool: STACK_POOL,
        log: { level: 'warn' },
        registry: { type: 'redis', url: redis.url, reloadInterval: '1s' },
        gateway: {
          host: '127.0.0.1',
          port: gatewayPort,
          secret: STACK_SECRET,
          executorSecret: executors.secret,
          healthCheck: {
            interval: '500ms',
            timeout: '400ms',
            ejectAfter: 2,
            probeBackoff: { min: '200ms', max: '1s' },
          },
          placement: { resyncInterval: '2s' },
          // On, so that the activator and keep-warm panels have data.
          activator: { enabled: true },
          keepWarm: { enabled: true, tick: '500ms', fixedKeepAlive: '5s' },
        },
        scaler: { host: '127.0.0.1', port: scalerPort, leaseTtl: '5s' },
      }),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      testPrometheusConfig(dir, {
        gateway: [`127.0.0.1:${gatewayPort}`],
        scaler: [`127.0.0.1:${scalerPort}`],
        executors: executors.hosts.map((h) => `127.0.0.1:${h.port}`),
      }),
    );

    const cli = (name: string, args: string[], ready: string) =>
      startProcess({
        name,
        command: process.execPath,
        args: ['bin/fleetgate.js', ...args],
        cwd: REPO_ROOT,
        ready: () => httpOk(ready),
        readyTimeoutMs: 40_000,
      });
    const [prometheus, gateway, scaler] = await settleAll(started, [
      startProcess({
        name: 'prometheus',
        command: 'prometheus',
        packageHint: 'prometheus',
        args: [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        ready: () => httpOk(`${prometheusUrl}/-/ready`),
        readyTimeoutMs: 40_000,
      }),
      cli('gateway', ['gateway', '--config', join(dir, 'fleetgate.yaml')], `${gatewayUrl}/healthz`),
      cli(
        'scaler',
        ['scaler', '--config', join(dir, 'fleetgate.yaml'), '--policy', join(dir, 'policy.yaml')],
        `${scalerUrl}/healthz`,
      ),
    ] as const);
    procs.push(['prometheus', prometheus], ['gateway', gateway], ['scaler', scaler]);
    return {
      prometheusUrl,
      gatewayUrl,
      scalerUrl,
      executors,
      redis,
      logs: () =>
        [
          ...procs.map(([n, p]) => `--- ${n}\n${p.output().slice(-3000)}`),
          ...executors.hosts.map((h, i) => `--- ${h.id}\n${executors.output(i).slice(-1500)}`),
        ].join('\n'),
      async restartExecutor(i) {
        const host = executors.hosts[i]!;
        const args = ['--port', String(host.port), '--secret', executors.secret, '--hostname', host.id];
        const p = await startProcess({
          name: host.id,
          command: process.execPath,
          args: [
            'bin/fleetgate.js',
            'executor',
            ...args,
            '--mode',
            'simulated',
            '--source-root',
            REPO_ROOT,
            ...EXECUTOR_ARGS,
          ],
          cwd: REPO_ROOT,
          ready: () => httpOk(`${host.url}/v1/health`),
          readyTimeoutMs: 40_000,
        });
        started.push(p);
        procs.push([`${host.id} (restarted)`, p]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One execution through the gateway (the sample function on a simulated executor). */
export async function execute(gatewayUrl: string, runtimeId: string): Promise<number> {
  const res = await request(`${gatewayUrl}/v1/runtimes/${runtimeId}/executions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${STACK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      image: NODE_IMAGE,
      source: HELLO_SOURCE,
      entrypoint: HELLO_ENTRYPOINT,
      timeout: 10,
    }),
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  await res.body.dump();
  return res.statusCode;
}

/** Any request through the gateway (broadcasts, keyless requests). */
export async function send(
  gatewayUrl: string,
  method: 'GET' | 'DELETE',
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const res = await request(`${gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${STACK_SECRET}`, ...headers },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  await res.body.dump();
  return res.statusCode;
}
