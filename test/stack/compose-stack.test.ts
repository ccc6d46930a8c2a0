import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { describeDocker, engineRunDir, testDocker } from '../support/docker.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';
import { ensureStackImages, TEST_PROMETHEUS_IMAGE, TEST_REDIS_IMAGE } from '../support/stack-images.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The shipped docker-compose.yml, brought up for real on the run's engine with Debian's
 * docker-compose (v1) and a local override: the images that cannot be pulled here are swapped for
 * local ones (Fleetgate from the Dockerfile, Redis and Prometheus from the host's binaries, and the
 * Fleetgate executor image for openruntimes/executor). Grafana is not started: there is no Grafana
 * image or binary on these machines.
 */
const docker = await testDocker();
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES = [
  'redis',
  'gateway-1',
  'gateway-2',
  'scaler',
  'executor-1',
  'executor-2',
  'executor-3',
  'prometheus',
];
const GATEWAY_SECRET = 'stack-gateway-secret';
const EXECUTOR_SECRET = 'stack-executor-secret';

describeDocker('the docker-compose stack', docker, (engine) => {
  const project = `fleetgate-stack-${process.pid}`;
  const dir = mkdtempSync(join(engineRunDir(), 'stack-'));
  const override = join(dir, 'override.yml');
  // The executors' /tmp (the host's /tmp in the shipped file): world-writable and sticky, as /tmp is.
  const tmp = join(dir, 'tmp');
  const ports = { gateway1: 0, gateway2: 0, prometheus: 0, grafana: 0 };
  let env: NodeJS.ProcessEnv = {};

  function compose(...args: string[]): Promise<{ code: number; out: string }> {
    const child = spawn(
      'docker-compose',
      ['-f', join(REPO, 'docker-compose.yml'), '-f', override, '-p', project, ...args],
      {
        cwd: REPO,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, out })));
  }

  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
    for (const line of await ensureStackImages(engine, engineRunDir())) console.log(`[docker] ${line}`);
    mkdirSync(tmp);
    chmodSync(tmp, 0o1777);
    ports.gateway1 = await freePort();
    ports.gateway2 = await freePort();
    ports.prometheus = await freePort();
    ports.grafana = await freePort();
    env = {
      PATH: process.env.PATH,
      DOCKER_HOST: `unix://${docker.available ? docker.socketPath : ''}`,
      FLEETGATE_GATEWAY_SECRET: GATEWAY_SECRET,
      FLEETGATE_EXECUTOR_SECRET: EXECUTOR_SECRET,
      GRAFANA_ADMIN_PASSWORD: 'unused',
      FLEETGATE_GATEWAY_1_PORT: String(ports.gateway1),
      FLEETGATE_GATEWAY_2_PORT: String(ports.gateway2),
      PROMETHEUS_PORT: String(ports.prometheus),
      GRAFANA_PORT: String(ports.grafana),
    };
    const executor = {
      image: TEST_FLEETGATE_IMAGE,
      command: ['executor', '--bind', '0.0.0.0', '--port', '80', '--source-root', '/functions'],
      // The same targets as the shipped file, pointed at this test's engine and folders.
      volumes: [
        `${docker.available ? docker.socketPath : ''}:/var/run/docker.sock`,
        `${tmp}:/tmp:rw`,
        `${REPO}examples/functions:/functions:ro`,
      ],
    };
    // JSON (valid YAML) quotes every string: compose v1's YAML 1.1 would read a bare yes as true.
    writeFileSync(
      override,
      JSON.stringify({
        services: {
          // Debian's redis-server keeps protected mode on (the official image turns it off).
          redis: {
            image: TEST_REDIS_IMAGE,
            command: ['redis-server', '--appendonly', 'yes', '--save', '', '--protected-mode', 'no'],
          },
          'gateway-1': { image: TEST_FLEETGATE_IMAGE },
          'gateway-2': { image: TEST_FLEETGATE_IMAGE },
          scaler: { image: TEST_FLEETGATE_IMAGE },
          'executor-1': executor,
          'executor-2': executor,
          'executor-3': executor,
          prometheus: { image: TEST_PROMETHEUS_IMAGE },
        },
      }),
    );
  }, 900_000);

  afterAll(async () => {
    const down = await compose('down', '--volumes', '--remove-orphans', '--timeout', '20');
    if (down.code !== 0) console.warn(`[stack] docker-compose down: ${down.out}`);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
  const auth = { authorization: `Bearer ${GATEWAY_SECRET}`, 'content-type': 'application/json' };

  it('comes up: Redis, Prometheus, scaler, both gateways and the executors healthy', async () => {
    const up = await compose('up', '-d', '--no-build', ...SERVICES);
    expect(up.code, up.out).toBe(0);
    const labels = { 'com.docker.compose.project': project };
    await waitFor(
      'redis healthy',
      async () => {
        const [redis] = await engine.containers.list({ ...labels, 'com.docker.compose.service': 'redis' });
        const info = redis ? await engine.containers.inspect(redis.id) : undefined;
        return info?.state.running
          ? (await compose('ps', 'redis')).out.includes('healthy') || undefined
          : undefined;
      },
      60_000,
    );
    for (const port of [ports.gateway1, ports.gateway2]) {
      await waitFor(
        `gateway on ${port} /healthz`,
        async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined),
        60_000,
      );
    }
    await waitFor(
      'prometheus ready',
      async () =>
        (await fetch(`http://127.0.0.1:${ports.prometheus}/-/ready`)).status === 200 ? true : undefined,
      60_000,
    );
    // The scaler activates the static executors; every gateway sees an active, healthy host.
    const fleet = await waitFor(
      'an active healthy executor on gateway-2',
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.gateway2}/v1/fleet`, { headers: auth });
        const body = (await res.json()) as { hosts?: { state: string; healthy: boolean; url: string }[] };
        return body.hosts?.some((h) => h.state === 'active' && h.healthy) ? body : undefined;
      },
      120_000,
    );
    expect(fleet.hosts!.map((h) => h.url)).toEqual(
      expect.arrayContaining([expect.stringMatching(/fleetgate-executor-\d/)]),
    );
    // Prometheus scrapes the gateways and the scaler in their containers.
    await waitFor(
      'prometheus sees gateway-1 up',
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=up`);
        const body = (await res.json()) as {
          data: { result: { metric: { instance?: string }; value: [number, string] }[] };
        };
        return body.data.result.some((r) => r.metric.instance?.startsWith('gateway-1') && r.value[1] === '1')
          ? true
          : undefined;
      },
      90_000,
    );
  }, 600_000);

  it('runs a function through a gateway on an executor container', async () => {
    const created = await fetch(`http://127.0.0.1:${ports.gateway1}/v1/runtimes`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        runtimeId: 'stack-hello',
        image: 'openruntimes/node:v5-22',
        source: '/functions/hello',
        entrypoint: 'index.mjs',
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const ran = await fetch(`http://127.0.0.1:${ports.gateway1}/v1/runtimes/stack-hello/executions`, {
      method: 'POST',
      headers: { ...auth, accept: 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/?name=Stack' }),
    });
    const body = await ran.text();
    expect(ran.status, body).toBe(200);
    expect(body).toContain('Hello, Stack!');
    expect(ran.headers.get('x-fleetgate-host')).toMatch(/fleetgate-executor-\d/);
  }, 120_000);

  it('is removed entirely: containers, networks and volumes of the project', async () => {
    const down = await compose('down', '--volumes', '--remove-orphans', '--timeout', '20');
    expect(down.code, down.out).toBe(0);
    const labels = { 'com.docker.compose.project': project };
    expect(await engine.containers.list(labels)).toEqual([]);
    expect(await engine.networks.list(labels)).toEqual([]);
    // Named volumes (redis-data, prometheus-data, …): the client has no volume calls; the docker CLI does.
    const volumes = await new Promise<string>((resolve, reject) => {
      const ls = spawn(
        'docker',
        ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`],
        {
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      ls.stdout.on('data', (d) => {
        out += d;
      });
      ls.once('error', reject);
      ls.once('exit', (code) =>
        code === 0 ? resolve(out.trim()) : reject(new Error(`docker volume ls exited ${code}`)),
      );
    });
    expect(volumes).toBe('');
  }, 120_000);
});
