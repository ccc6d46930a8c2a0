import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '../../scaler/providers/docker-spec.ts';
import { describeDocker, engineRunDir, testDocker } from '../support/docker.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';
import { devBanner, killAll, runCurl, spawnCli, until } from './helpers.ts';

// `fleetgate dev --docker`: the local fleet with its executor hosts as containers of the Fleetgate
// image on the run's engine (the docker provider), a function run through it, nothing left after.
const docker = await testDocker();

describeDocker('fleetgate dev --docker', docker, (engine) => {
  const pool = { [LABELS.provider]: 'docker', [LABELS.pool]: 'default' };
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
  }, 600_000);
  afterAll(async () => {
    killAll([]);
    for (const c of await engine.containers.list(pool)) await engine.containers.remove(c.id, { force: true });
  });

  it('runs executor containers, serves the sample function through them, and removes them on SIGTERM', async () => {
    const socket = docker.available ? docker.socketPath : '';
    const dev = spawnCli([
      'dev',
      '--port',
      '0',
      '--docker',
      '--image',
      TEST_FLEETGATE_IMAGE,
      '--docker-socket',
      socket,
    ]);
    const banner = await devBanner(dev);
    expect(dev.out()).toContain(`executor container(s) of ${TEST_FLEETGATE_IMAGE}`);
    const containers = await engine.containers.list(pool, { running: true });
    expect(containers.length).toBeGreaterThanOrEqual(1);
    const [create, execute] = banner.curls;
    expect((await runCurl(create!)).status).toBe(201);
    const ran = await runCurl(execute!);
    expect(ran.status, ran.text).toBe(200);
    expect(ran.text).toContain('Hello, Fleetgate!');
    dev.child.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
    await until('no executor container left', 30_000, async () =>
      (await engine.containers.list(pool)).length === 0 ? true : undefined,
    );
  }, 240_000);

  it('names an image the engine does not have, and starts nothing', async () => {
    const socket = docker.available ? docker.socketPath : '';
    const dev = spawnCli([
      'dev',
      '--port',
      '0',
      '--docker',
      '--image',
      'local/no-such:1',
      '--docker-socket',
      socket,
    ]);
    const { code } = await dev.exited;
    expect(code).not.toBe(0);
    expect(dev.err() + dev.out()).toContain('local/no-such:1 is not on the Docker engine');
    expect(await engine.containers.list(pool)).toEqual([]);
  });
});
