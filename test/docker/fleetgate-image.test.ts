import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.ts';
import { describeDocker, engineRunDir, TEST_LABEL, TEST_LIMITS, testDocker } from '../support/docker.ts';
import { ensureFleetgateImage, TEST_FLEETGATE_IMAGE } from '../support/fleetgate-image.ts';

// The project's Dockerfile, built on the run's engine from a local base (no registry here), run for real.
const docker = await testDocker();
const labels = { [TEST_LABEL]: 'fleetgate-image' };

describeDocker('the Fleetgate image (Dockerfile)', docker, (engine) => {
  beforeAll(async () => {
    for (const line of await ensureFleetgateImage(engine, engineRunDir())) console.log(`[docker] ${line}`);
  }, 600_000);
  afterAll(async () => {
    for (const c of await engine.containers.list(labels))
      await engine.containers.remove(c.id, { force: true });
  });

  async function run(cmd: string[], env: Record<string, string> = {}): Promise<string> {
    const id = await engine.containers.create({
      image: TEST_FLEETGATE_IMAGE,
      cmd,
      env,
      labels,
      networkMode: 'host',
      limits: TEST_LIMITS,
    });
    await engine.containers.start(id);
    return id;
  }

  it('runs compiled JavaScript as uid 1000, with no TypeScript and no tsx in the image', async () => {
    // The entrypoint is `node dist/cli/entry.js`: replace it with node for this one look inside.
    const probe = await engine.containers.create({
      image: TEST_FLEETGATE_IMAGE,
      entrypoint: ['node'],
      cmd: [
        '-e',
        "const fs=require('fs');console.log(JSON.stringify({uid:process.getuid(),ts:fs.existsSync('/app/cli/main.ts'),tsx:fs.existsSync('/app/node_modules/tsx'),entry:fs.existsSync('/app/dist/cli/entry.js')}))",
      ],
      labels,
      networkMode: 'host',
      limits: TEST_LIMITS,
    });
    await engine.containers.start(probe);
    expect((await engine.containers.wait(probe)).exitCode).toBe(0);
    const { stdout } = await engine.containers.logs(probe);
    expect(JSON.parse(stdout)).toEqual({ uid: 1000, ts: false, tsx: false, entry: true });
  });

  it('answers --version with the package version', async () => {
    const id = await run(['--version']);
    expect((await engine.containers.wait(id)).exitCode).toBe(0);
    const { stdout } = await engine.containers.logs(id);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs a gateway that answers /healthz and drains on SIGTERM (exit 0)', async () => {
    const port = await freePort();
    const id = await run(['gateway', '--host', '127.0.0.1', '--port', String(port)], {
      FLEETGATE_GATEWAY_SECRET: 'image-test-secret',
      FLEETGATE_GATEWAY_EXECUTOR_SECRET: 'image-test-executor-secret',
      OPR_PROXY_EXECUTORS: '127.0.0.1:9',
    });
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      status = res?.status ?? 0;
      await res?.body?.cancel();
      if (status === 200) break;
      const info = await engine.containers.inspect(id);
      if (!info.state.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    await engine.containers.stop(id, 20);
    const info = await engine.containers.inspect(id);
    expect(info.state.exitCode).toBe(0);
  });
});
