import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { describeDocker, TEST_RUNTIME_IMAGE, testDocker } from '../support/docker.ts';
import { callExecutor, startInProcessExecutor } from '../support/executors.ts';

// Builds in docker mode: the build command runs in a container of the create's image.
const docker = await testDocker();

describeDocker('executor builds in docker mode', docker, (engine) => {
  const owner = `builds-${process.pid}`;
  let root: string;
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(ex.url, ex.secret, method, path, body);
  const build = (id: string, fields: Record<string, unknown>) =>
    call('POST', '/v1/runtimes', { runtimeId: id, image: TEST_RUNTIME_IMAGE, source: 'fn', ...fields });
  const text = (output: { content: string }[]) => output.map((l) => l.content).join('\n');

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-docker-builds-')));
    mkdirSync(join(root, 'fn'));
    writeFileSync(join(root, 'fn/index.mjs'), 'export default async (c) => c.res.text("built");\n');
    ex = await startInProcessExecutor({
      mode: 'docker',
      sourceRoot: root,
      docker: { socket: docker.available ? docker.socketPath : '', owner },
    });
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the command in a container of the image, with the limits, and packages its output', async () => {
    const res = await build('b1', {
      command:
        'test -f /.dockerenv && echo "in a container, cpus $OPEN_RUNTIMES_CPUS" && cat /sys/fs/cgroup/pids/pids.max && mkdir -p dist && echo page > dist/index.html',
      outputDirectory: './dist',
      destination: 'builds',
      cpus: 0.5,
      remove: true,
    });
    expect(res.status, res.text).toBe(201);
    expect(text(res.json.output)).toContain('in a container, cpus 0.5');
    expect(text(res.json.output)).toContain('256');
    const listing = execFileSync('tar', ['-tzf', res.json.path], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('./index.html');
    expect(await engine.containers.list({ 'fleetgate.executor': owner })).toEqual([]);
  });

  it('reports a failing command with its output and exit code, leaving no container', async () => {
    const res = await build('b2', { command: 'echo about to fail && exit 7', destination: 'builds' });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('build_failed');
    expect(res.json.message).toContain('about to fail');
    expect(res.json.message).toContain('Build command exited with code 7.');
    expect(await engine.containers.list({ 'fleetgate.executor': owner, 'fleetgate.role': 'build' })).toEqual(
      [],
    );
  });
});
