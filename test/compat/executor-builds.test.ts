import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_IMAGE } from '../support/executors.ts';
import type { CompatClient, CompatResponse } from './client.ts';
import { writeBuildFunctions } from './fixtures.ts';
import { COMPAT_TARGETS, type CompatTarget, startCompatTarget } from './targets.ts';

// Ported from open-runtimes/executor 0.27.0 tests/e2e/ExecutorTest.php: the build, build log stream
// and commands cases, against `fleetgate executor` and the gateway in front of two. The real cases
// build in Docker images (`tar -zxf /tmp/code.tar.gz -C /mnt/code && bash helpers/build.sh "…"`);
// Fleetgate runs the build step itself in the mirrored source (docs/compatibility.md), so each
// command here is the step inside the quotes, on functions written by ./fixtures.ts, with no network.
// The assertions are the real ones except where a comment says otherwise.

/** The output lines of a create, joined. */
const outputOf = (response: CompatResponse) =>
  (response.body.output as { content: string }[]).map((l) => l.content).join('');

/** The real client's parsing of a logs stream: `<timestamp> <content>` lines. */
function parseLogStream(chunks: string[]): { timestamp: string; content: string }[] {
  const data = chunks.join('').replaceAll('\\n', '{OPR_LINEBREAK_PLACEHOLDER}');
  return data
    .split('\n')
    .filter((line) => line !== '' && line !== '0')
    .map((line) => {
      const [timestamp, ...rest] = line.replaceAll('{OPR_LINEBREAK_PLACEHOLDER}', '\n').split(' ');
      return { timestamp: timestamp!, content: rest.join(' ') };
    });
}

const NODE_BUILD = 'npm install --offline --no-audit --no-fund';

describe.each(COMPAT_TARGETS)('executor compatibility (%s): builds, log streams, commands', (kind) => {
  let root: string;
  let target: CompatTarget;
  let client: CompatClient;
  let n = 0;
  const id = (name: string) => `${name}-${++n}`;
  const node = (fields: Record<string, unknown>) => ({
    source: 'node',
    entrypoint: 'index.mjs',
    image: NODE_IMAGE,
    ...fields,
  });
  /** `POST /v1/runtimes` of a Node function with `fields`. */
  const createNode = (fields: Record<string, unknown>) => client.call('POST', '/runtimes', {}, node(fields));

  beforeAll(async () => {
    root = writeBuildFunctions();
    target = await startCompatTarget(kind, { sourceRoot: root });
    client = target.client();
  });
  afterAll(async () => {
    await target?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('testBuild', async () => {
    let response = await createNode({
      runtimeId: id('test-build'),
      destination: 'builds/test',
      command: NODE_BUILD,
      remove: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);

    response = await client.call('GET', '/runtimes');
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(0); // auto-removed

    response = await client.call('GET', `/runtimes/${id('test-build-selfdelete')}`);
    expect(response.status).toBe(404);

    // A user error in the build command.
    response = await createNode({
      runtimeId: id('test-build-fail-400'),
      destination: 'builds/test',
      command: 'cp doesnotexist.js doesnotexist2.js',
      remove: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('build_failed');

    // A silent user error.
    response = await createNode({
      runtimeId: id('test-build-fail-silent'),
      destination: 'builds/test',
      command: 'exit 1',
      remove: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('build_failed');
    expect(response.body.message).toContain('Build command exited with code 1.');

    // An invalid cache key.
    response = await createNode({
      runtimeId: id('test-build-fail-cache-key'),
      destination: 'builds/test',
      command: NODE_BUILD,
      cacheKey: '..',
      remove: true,
    });
    expect(response.status).toBe(400);

    // A source that does not exist: the real executor answers 500; Fleetgate answers 400 naming the
    // field, as for any bad input (a deliberate difference, docs/compatibility.md).
    response = await createNode({
      runtimeId: id('test-build-fail-500'),
      source: 'fake_path/code.tar.gz',
      destination: 'builds/test',
      command: NODE_BUILD,
      remove: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('Invalid "source": fake_path/code.tar.gz does not exist.');
  });

  it('testBuildOutputDirectory', async () => {
    const response = await client.call(
      'POST',
      '/runtimes',
      {},
      {
        runtimeId: id('test-build-site'),
        source: 'static',
        destination: 'builds/test',
        image: NODE_IMAGE,
        command: 'bash build.sh',
        outputDirectory: './dist',
        remove: true,
      },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(typeof response.body.path).toBe('string');
    expect(Array.isArray(response.body.output)).toBe(true);
    expect(typeof response.body.duration).toBe('number');
    expect(typeof response.body.startTime).toBe('number');
    expect(Number.isInteger(response.body.size)).toBe(true);
    // The real case then serves the site with the static runtime's server; Fleetgate has no static
    // runtime, so the package is checked instead: only the output directory, at its root.
    const listing = execFileSync('tar', ['-tzf', response.body.path], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('./index.html');
    expect(listing.some((name) => name.includes('build.sh'))).toBe(false);
  });

  // testBuildUncompressed is not ported: it builds with the variable OPEN_RUNTIMES_BUILD_COMPRESSION
  // `none` (an uncompressed package), and `fleetgate executor` refuses every OPEN_RUNTIMES_* variable
  // (400 general_argument_invalid) and always packages a .tar.gz (docs/compatibility.md).

  // Through the gateway the second build (another runtime id, the same cacheKey) may land on the
  // other executor: it hits because the target's executors share one build-cache folder
  // (`executor.buildCacheDir`), as real executors share their build-cache storage.
  it('testBuildCache', async () => {
    const runtimeId = id('cache');
    const cacheKey = `test-build-cache-${runtimeId}`;
    const command = `${NODE_BUILD} && test -d node_modules`;
    let response = await createNode({
      runtimeId: `test-build-cache-miss-${runtimeId}`,
      destination: 'builds/test-cache-miss',
      command,
      cacheKey,
      remove: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(outputOf(response)).toContain('Build cache saved.');

    response = await createNode({
      runtimeId: `test-build-cache-hit-${runtimeId}`,
      destination: 'builds/test-cache-hit',
      command,
      cacheKey,
      remove: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(outputOf(response)).toContain('Build cache hit.');
    expect(response.body.path).not.toBe('');

    response = await client.call(
      'POST',
      `/runtimes/test-exec-cache-${runtimeId}/executions`,
      {},
      node({ source: response.body.path }),
    );
    expect(response.status).toBe(200);
    expect(Number(response.body.statusCode)).toBe(200);

    response = await client.call('DELETE', `/runtimes/test-exec-cache-${runtimeId}`, {}, {});
    expect(response.status).toBe(target.deletedStatus);
  });

  it('testBuildLogLimit', async () => {
    const size128Kb = 1024 * 128;
    const build = (script: string) =>
      client.call(
        'POST',
        '/runtimes',
        {},
        {
          runtimeId: id('test-build-logs'),
          source: 'build-logs',
          destination: 'builds/test',
          entrypoint: 'index.mjs',
          image: NODE_IMAGE,
          command: `bash ${script}`,
          remove: true,
        },
      );

    let response = await build('logs_failure.sh');
    expect(response.status).toBe(400);
    expect(String(response.body.message).length).toBeGreaterThanOrEqual(size128Kb * 7);
    expect(response.body.message).toContain('First log');
    expect(response.body.message).toContain('Last log');

    response = await build('logs_success.sh');
    expect(response.status).toBe(201);
    expect(outputOf(response).length).toBeGreaterThanOrEqual(size128Kb * 7);
    expect(outputOf(response)).toContain('First log');
    expect(outputOf(response)).toContain('Last log');

    // Past 1 MiB the real executor keeps the first 1 MiB (`First log`, no `Last log`); Fleetgate
    // keeps the last 1 MiB, so a failure's `Build command exited with code N.` is always in it (a
    // documented difference): here the start is cut instead of the end.
    response = await build('logs_failure_large.sh');
    expect(response.status).toBe(400);
    expect(String(response.body.message).length).toBeGreaterThanOrEqual(1_000_000);
    expect(response.body.message).not.toContain('First log');
    expect(response.body.message).toContain('Last log');
    expect(response.body.message).toContain('Build command exited with code 1.');

    response = await build('logs_success_large.sh');
    expect(response.status).toBe(201);
    expect(outputOf(response).length).toBeGreaterThanOrEqual(1_000_000);
    expect(outputOf(response)).not.toContain('First log');
    expect(outputOf(response)).toContain('Last log');
  });

  it('testZipBuild', async () => {
    // The real source is a .zip the image's build unzips; Fleetgate mirrors folders and .tar.gz
    // files only, so the .zip sits in a folder and the build step unzips it.
    const runtimeId = id('zip');
    let response = await createNode({
      runtimeId: `test-build-zip-${runtimeId}`,
      source: 'zip',
      destination: 'builds/test-zip',
      command: 'unzip -q code.zip && rm code.zip',
      remove: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.path).not.toBe('');

    response = await createNode({ runtimeId: `test-exec-zip-${runtimeId}`, source: response.body.path });
    expect(response.status).toBe(201);

    response = await client.call('POST', `/runtimes/test-exec-zip-${runtimeId}/executions`);
    expect(response.status).toBe(200);
    expect(Number(response.body.statusCode)).toBe(200);

    response = await client.call('DELETE', `/runtimes/test-exec-zip-${runtimeId}`, {}, {});
    expect(response.status).toBe(target.deletedStatus);
  });

  it('testCommands', async () => {
    // The real runtime is a PHP image running `tail -f /dev/null`; here a plain Node function.
    const runtime = await createNode({ runtimeId: 'test-commands', source: 'plain', remove: false });
    expect(runtime.status, JSON.stringify(runtime.body)).toBe(201);

    let command = await client.call(
      'POST',
      '/runtimes/test-commands/commands',
      {},
      { command: 'echo "Hello, World!"' },
    );
    expect(command.status).toBe(200);
    expect(command.body.output).toContain('Hello, World!');

    command = await client.call(
      'POST',
      '/runtimes/test-commands/commands',
      {},
      { command: 'sleep 5 && echo "Ok"', timeout: 1 },
    );
    expect(command.status).toBe(500);
    expect(command.body.message).toContain('Operation timed out');

    command = await client.call('POST', '/runtimes/test-commands/commands', {}, { command: 'exit 1' });
    expect(command.status).toBe(500);
    expect(command.body.message).toContain('Failed to execute command.');

    let response = await client.call('DELETE', '/runtimes/test-commands', {}, {});
    expect(response.status).toBe(target.deletedStatus);

    // A second deletion: 404 from the executor; the gateway answers Appwrite's broadcast with 204.
    response = await client.call('DELETE', '/runtimes/test-commands', {}, {});
    expect(response.status).toBe(kind === 'gateway' ? 204 : 404);

    command = await client.call('POST', '/runtimes/test-commands/commands', {}, { command: 'echo 123' });
    expect(command.status).toBe(404);
  });

  it('testLogStream', async () => {
    const runtimeId = id('test-log-stream');
    // The logs request first, then the build, concurrently, as the real case does.
    const logs = client.stream(`/runtimes/${runtimeId}/logs`);
    const created = await createNode({
      runtimeId,
      destination: 'builds/test-logs',
      remove: true,
      command: `${NODE_BUILD} && npm run build`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const stream = await logs;
    expect(stream.status).toBe(200);
    const runtimeChunks = created.body.output as { timestamp: string; content: string }[];
    const streamChunks = parseLogStream(stream.chunks);

    // Realtime logs are not strict about the end. The real ones also hold the image's
    // `Environment preparation started`, which Fleetgate's build (no image) does not print.
    const validate = (logs: { timestamp: string; content: string }[], strict: boolean) => {
      const content = logs.map((l) => l.content).join('');
      for (let i = 1; i <= 10; i++) expect(content).toContain(`Step: ${i}`);
      if (strict) expect(content).toContain('Red message');
      expect(logs.length).toBeGreaterThan(5);
      let previous: string | undefined;
      let hasOrange = false;
      let hasRed = false;
      let hasStep = false;
      for (const log of logs) {
        expect(log.content).not.toBe('');
        expect(log.timestamp).not.toBe('');
        if (previous !== undefined) expect(log.timestamp >= previous).toBe(true);
        previous = log.timestamp;
        if (log.content.includes('\u001b[33mOrange message') && log.content.includes('\u001b[0m'))
          hasOrange = true;
        if (log.content.includes('\u001b[31mRed message') && log.content.includes('\u001b[0m')) hasRed = true;
        if (log.content.includes('Step: 5')) hasStep = true;
      }
      expect([hasOrange, hasStep]).toEqual([true, true]);
      if (strict) expect(hasRed).toBe(true);
    };
    expect(runtimeChunks.length).toBeGreaterThan(1);
    expect(streamChunks.length).toBeGreaterThan(1);
    validate(runtimeChunks, true);
    validate(streamChunks, false);
  });

  it('testLogStreamClosesAfterFailedCachedBuild', async () => {
    const runtimeId = id('test-log-stream-fail-cache');
    const start = performance.now();
    const logs = client.stream(`/runtimes/${runtimeId}/logs`, { timeout: '12' });
    const response = await createNode({
      runtimeId,
      destination: 'builds/test-logs',
      remove: true,
      cacheKey: 'test-log-stream-fail-cache',
      command: 'echo before-cache-failure && exit 1',
    });
    const stream = await logs;
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('before-cache-failure');
    expect(stream.status).toBe(200);
    expect(stream.chunks.join('')).not.toBe('');
    expect((stream.endedAt - start) / 1000).toBeLessThan(10);
  });

  it('testLogStreamPersistent', async () => {
    const runtimeId = id('test-log-stream-persistent');
    const logs = client.stream(`/runtimes/${runtimeId}/logs`);
    const response = await createNode({
      runtimeId,
      destination: 'builds/test-logs',
      remove: false,
      command: `${NODE_BUILD} && npm run build`,
    });
    const runtimeEnd = performance.now();
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const stream = await logs;
    expect(stream.status).toBe(200);
    expect(Math.abs(runtimeEnd - stream.endedAt) / 1000).toBeLessThanOrEqual(1);

    const deleted = await client.call('DELETE', `/runtimes/${runtimeId}`, {}, {});
    expect(deleted.status).toBe(target.deletedStatus);
  });
});
