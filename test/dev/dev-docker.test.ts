import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '../../scaler/providers/docker-spec.ts';
import { describeDocker, engineRunDir, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';
import { waitFor } from '../support/wait.ts';
import { devBanner, killAll, runCurl, spawnCli } from './helpers.ts';

// `fleetgate dev --docker`: the local fleet with its executor hosts as containers of the Fleetgate
// image on the run's engine (the docker provider), their runtimes containers of the runtime image
// (executor --mode docker through the mounted socket), a function run through it, nothing left after.
const docker = await testDocker();

describeDocker('fleetgate dev --docker', docker, (engine) => {
  const pool = { [LABELS.provider]: 'docker', [LABELS.pool]: 'default' };
  // What the executors' docker backend labels its runtime containers with (executor.docker.labelPrefix).
  const runtimes = { 'fleetgate.role': 'runtime' };
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
  }, 600_000);
  afterAll(async () => {
    killAll([]);
    for (const c of await engine.containers.list(pool)) await engine.containers.remove(c.id, { force: true });
    for (const c of await engine.containers.list(runtimes))
      await engine.containers.remove(c.id, { force: true });
  });

  /** `fleetgate dev --docker` on the run's engine with the Fleetgate `image`, then `extra` arguments. */
  const devDocker = (image: string, ...extra: string[]) =>
    spawnCli([
      'dev',
      '--port',
      '0',
      '--docker',
      '--image',
      image,
      '--docker-socket',
      docker.available ? docker.socketPath : '',
      ...extra,
    ]);

  /** SIGTERM to `dev`: it exits 0 and its executor containers go. */
  const stopDev = async (dev: ReturnType<typeof spawnCli>) => {
    dev.child.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
    await waitFor(
      'no executor container left',
      async () => ((await engine.containers.list(pool)).length === 0 ? true : undefined),
      30_000,
    );
  };

  it('runs executor containers whose runtimes are containers, serves the sample function, removes all on SIGTERM', async () => {
    const dev = devDocker(TEST_FLEETGATE_IMAGE, '--runtime-image', TEST_RUNTIME_IMAGE);
    const banner = await devBanner(dev);
    expect(dev.out()).toContain(`executor container(s) of ${TEST_FLEETGATE_IMAGE} (docker runtimes)`);
    expect(dev.out()).toContain(TEST_RUNTIME_IMAGE);
    const containers = await engine.containers.list(pool, { running: true });
    expect(containers.length).toBeGreaterThanOrEqual(1);
    const [create, execute] = banner.curls;
    expect((await runCurl(create!)).status).toBe(201);
    const ran = await runCurl(execute!);
    expect(ran.status, ran.text).toBe(200);
    expect(ran.text).toContain('Hello, Fleetgate!');
    // The execution ran in a runtime container of the runtime image, made by one of dev's executors.
    const executorIds = new Set(containers.map((c) => c.labels[LABELS.host]));
    const ranIn = await engine.containers.list(runtimes, { running: true });
    expect(ranIn.map((c) => c.image)).toContain(TEST_RUNTIME_IMAGE);
    expect(ranIn.some((c) => c.labels['fleetgate.runtime-id'] === 'hello')).toBe(true);
    expect(executorIds.size).toBeGreaterThanOrEqual(1);
    await stopDev(dev);
    expect(await engine.containers.list(runtimes)).toEqual([]);
  }, 240_000);

  it('with --mode process keeps runtimes as processes inside the executor containers', async () => {
    const dev = devDocker(TEST_FLEETGATE_IMAGE, '--mode', 'process');
    const banner = await devBanner(dev);
    expect(dev.out()).toContain(`executor container(s) of ${TEST_FLEETGATE_IMAGE} (process runtimes)`);
    const [create, execute] = banner.curls;
    expect((await runCurl(create!)).status).toBe(201);
    const ran = await runCurl(execute!);
    expect(ran.status, ran.text).toBe(200);
    expect(await engine.containers.list(runtimes)).toEqual([]);
    await stopDev(dev);
  }, 240_000);

  it('names an image the engine does not have, and starts nothing', async () => {
    const dev = devDocker('local/no-such:1');
    const { code } = await dev.exited;
    expect(code).not.toBe(0);
    expect(dev.err() + dev.out()).toContain('local/no-such:1 is not on the Docker engine');
    expect(await engine.containers.list(pool)).toEqual([]);
  });

  it('names a runtime image the engine does not have, and starts nothing', async () => {
    const dev = devDocker(TEST_FLEETGATE_IMAGE, '--runtime-image', 'local/no-such-runtime:1');
    const { code } = await dev.exited;
    expect(code).not.toBe(0);
    expect(dev.err() + dev.out()).toContain(
      '--runtime-image: local/no-such-runtime:1 is not on the Docker engine',
    );
    expect(await engine.containers.list(pool)).toEqual([]);
  });
});
