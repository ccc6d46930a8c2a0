import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from './client.ts';
import { DockerError } from './errors.ts';

// A tiny fake engine on a unix socket: checks the client's HTTP and its error mapping, not Docker.
// The real engine's behaviour is tested in test/docker/ against a real dockerd.
const dir = mkdtempSync(join(tmpdir(), 'fleetgate-fake-engine-'));
const socketPath = join(dir, 'docker.sock');
const seen: { method: string; url: string; body: string }[] = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === '/v1.41/_ping') return res.end('OK');
      if (url.pathname === '/v1.41/containers/create') {
        const spec = JSON.parse(body) as { Image: string };
        if (spec.Image === 'missing:1') return json(404, { message: 'No such image: missing:1' });
        if (url.searchParams.get('name') === 'taken')
          return json(409, { message: 'Conflict. The container name "/taken" is already in use' });
        return json(201, { Id: 'c0ffee', Warnings: [] });
      }
      if (url.pathname === '/v1.41/containers/busy/start')
        return json(500, { message: 'listen tcp 0.0.0.0:8080: bind: address already in use' });
      if (url.pathname === '/v1.41/containers/gone') return json(404, { message: 'No such container: gone' });
      if (url.pathname === '/v1.41/build') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"stream":"Step 1/2 : FROM local/base\\n"}\n{"stream":"Step 2/2 : RUN false\\n"}\n');
        return res.end(
          '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c false\' returned a non-zero code: 1"},"error":"x"}\n',
        );
      }
      json(404, { message: 'page not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<DockerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DockerError);
  return error as DockerError;
}

describe('DockerClient against a fake engine', () => {
  const docker = new DockerClient({ socketPath });
  afterAll(() => docker.close());

  it('pings over the unix socket with the pinned API version', async () => {
    await docker.ping();
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1.41/_ping' });
  });

  it('creates with the engine body: limits, labels, env', async () => {
    const id = await docker.containers.create({
      image: 'local/x:1',
      name: 'rt-1',
      env: { A: '1' },
      labels: { 'fleetgate.owner': 'e1' },
      networkMode: 'host',
      limits: { memoryBytes: 64 << 20, cpus: 0.5, pids: 64 },
    });
    expect(id).toBe('c0ffee');
    const sent = JSON.parse(seen.at(-1)?.body ?? '{}');
    expect(seen.at(-1)?.url).toBe('/v1.41/containers/create?name=rt-1');
    expect(sent).toMatchObject({
      Image: 'local/x:1',
      Env: ['A=1'],
      Labels: { 'fleetgate.owner': 'e1' },
      HostConfig: {
        NetworkMode: 'host',
        Memory: 64 << 20,
        MemorySwap: 64 << 20,
        NanoCpus: 5e8,
        PidsLimit: 64,
      },
    });
  });

  it.each([
    [
      'a missing image',
      () => docker.containers.create({ image: 'missing:1' }),
      'image_not_found',
      'missing:1',
    ],
    [
      'a taken name',
      () => docker.containers.create({ image: 'x', name: 'taken' }),
      'container_conflict',
      'taken',
    ],
    ['a taken port', () => docker.containers.start('busy'), 'port_in_use', 'start container busy'],
    ['a missing container', () => docker.containers.inspect('gone'), 'container_not_found', 'gone'],
  ])('maps %s to %s', async (_name, call, kind, named) => {
    const error = await failure(call());
    expect(error.kind).toBe(kind);
    expect(error.message).toContain(named);
  });

  it('treats removing a container that is gone as done', async () => {
    await docker.containers.remove('gone');
    const error = await failure(docker.containers.remove('gone', { mustExist: true }));
    expect(error.kind).toBe('container_not_found');
  });

  it('reports a failed build step with the build output', async () => {
    const error = await failure(docker.images.build(Buffer.alloc(1024), { tag: 'local/y:1' }));
    expect(error.kind).toBe('build_failed');
    expect(error.message).toContain('returned a non-zero code: 1');
    expect(error.message).toContain('Step 2/2 : RUN false');
  });

  it('names the socket when no engine listens there', async () => {
    const nowhere = new DockerClient({ socketPath: join(dir, 'nothing.sock') });
    const error = await failure(nowhere.ping());
    expect(error.kind).toBe('engine_unreachable');
    expect(error.code).toBe('DOCKER_ENGINE_UNREACHABLE');
    expect(error.message).toContain(join(dir, 'nothing.sock'));
    await nowhere.close();
  });
});
