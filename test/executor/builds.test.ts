import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningExecutor } from '../../executor/server.ts';
import { callExecutor, NODE_IMAGE, startExecutors, startInProcessExecutor } from '../support/executors.ts';
import { waitGone } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';

// Builds (creates with a `command`) and the commands route, with real build commands, real runtime
// processes and real sockets. No network: the dependency comes from a local npm tarball.

/** A shell loop that returns once `file` exists: builds wait on it so tests move them by hand. */
const waitForFile = (file: string) => `while [ ! -e '${file}' ]; do sleep 0.02; done`;

describe('executor builds and commands', () => {
  let root: string;
  let ex: RunningExecutor & { secret: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    callExecutor(ex.url, ex.secret, method, path, body, headers);
  const build = (id: string, fields: Record<string, unknown>) =>
    call('POST', '/v1/runtimes', { runtimeId: id, image: NODE_IMAGE, source: 'fn.tar.gz', ...fields });
  const text = (output: { content: string }[]) => output.map((l) => l.content).join('\n');
  const metric = async (name: string) => {
    const body = (await call('GET', '/metrics')).text;
    const line = body.split('\n').find((l: string) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-builds-')));
    // The dependency: an npm package tarball, as `npm pack` makes them (package/…).
    mkdirSync(join(root, 'dep/package'), { recursive: true });
    writeFileSync(
      join(root, 'dep/package/package.json'),
      JSON.stringify({ name: 'greeter', version: '1.0.0', main: 'index.js' }),
    );
    writeFileSync(
      join(root, 'dep/package/index.js'),
      "module.exports = (name) => 'Greetings, ' + name + ', from greeter';\n",
    );
    // The function: its code and the dependency's tarball, uploaded as one .tar.gz (as Appwrite does).
    mkdirSync(join(root, 'fn'));
    execFileSync('tar', ['-czf', join(root, 'fn/greeter-1.0.0.tgz'), '-C', join(root, 'dep'), 'package']);
    writeFileSync(
      join(root, 'fn/package.json'),
      JSON.stringify({ name: 'fn', version: '1.0.0', private: true }),
    );
    writeFileSync(
      join(root, 'fn/index.mjs'),
      [
        "import greet from 'greeter';",
        'export default async (context) => context.res.json({ message: greet(context.req.query.name) });',
        '',
      ].join('\n'),
    );
    execFileSync('tar', ['-czf', join(root, 'fn.tar.gz'), '-C', join(root, 'fn'), '.']);
    // A plain function folder for the commands route.
    mkdirSync(join(root, 'plain'));
    writeFileSync(
      join(root, 'plain/index.mjs'),
      'export default async (context) => context.res.text(process.env.GREETING ?? "");\n',
    );
    ex = await startInProcessExecutor({ mode: 'process', sourceRoot: root, buildWorkers: 1, buildQueue: 1 });
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('builds a Node function (npm install of a local tarball) and runs it from the built package', async () => {
    const res = await build('built', {
      entrypoint: 'index.mjs',
      command: 'npm install ./greeter-1.0.0.tgz --offline --no-audit --no-fund',
      destination: 'builds',
      remove: true,
    });
    expect(res.status, res.text).toBe(201);
    expect(text(res.json.output)).toContain('added 1 package');
    expect(res.json.path).toMatch(new RegExp(`^${root}/builds/[0-9a-f]{13}\\.tar\\.gz$`));
    expect(res.json.size).toBe(statSync(res.json.path).size);
    expect(res.json.duration).toBeGreaterThan(0);
    // remove: true: the build's runtime is gone.
    expect((await call('GET', '/v1/runtimes/built')).status).toBe(404);
    // The package holds the installed dependency: a runtime started from it uses it.
    const run = await call('POST', '/v1/runtimes/built-run/executions', {
      image: NODE_IMAGE,
      source: res.json.path,
      entrypoint: 'index.mjs',
      path: '/?name=builder',
    });
    expect(run.status, run.text).toBe(200);
    expect(JSON.parse(run.json.body)).toEqual({ message: 'Greetings, builder, from greeter' });
    // Without the build the function cannot load its dependency.
    const raw = await call('POST', '/v1/runtimes/unbuilt/executions', {
      image: NODE_IMAGE,
      source: 'fn.tar.gz',
      entrypoint: 'index.mjs',
    });
    expect(raw.text).toContain('greeter');
    expect(raw.json.statusCode ?? raw.status).not.toBe(200);
  });

  it('packages only outputDirectory when given', async () => {
    const res = await build('dist', {
      command: 'mkdir -p dist && echo page > dist/index.html && echo secret > private.txt',
      outputDirectory: './dist',
      destination: 'builds',
      remove: true,
    });
    expect(res.status, res.text).toBe(201);
    const listing = execFileSync('tar', ['-tzf', res.json.path], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('./index.html');
    expect(listing.some((name) => name.includes('private.txt'))).toBe(false);
    const missing = await build('dist-missing', {
      command: 'true',
      outputDirectory: 'out',
      destination: 'builds',
    });
    expect([missing.status, missing.json.type]).toEqual([400, 'build_failed']);
    expect(missing.json.message).toContain('"outputDirectory" out does not exist');
    const escaping = await build('dist-escape', {
      command: 'true',
      outputDirectory: '../..',
      destination: 'b',
    });
    expect([escaping.status, escaping.json.message]).toEqual([
      400,
      'Invalid "outputDirectory": must not contain ".." segments.',
    ]);
    const outside = await build('dest-escape', { command: 'true', destination: '../elsewhere' });
    expect([outside.status, outside.json.message]).toEqual([
      400,
      'Invalid "destination": ../elsewhere is outside the allowed folder.',
    ]);
    // Nor through a symlink inside the allowed folder, and nothing is created out there.
    const elsewhere = mkdtempSync(join(tmpdir(), 'fleetgate-builds-elsewhere-'));
    symlinkSync(elsewhere, join(root, 'to-elsewhere'));
    const linked = await build('dest-link', { command: 'true', destination: 'to-elsewhere/builds' });
    expect([linked.status, linked.json.message]).toEqual([
      400,
      'Invalid "destination": to-elsewhere/builds is outside the allowed folder.',
    ]);
    expect(existsSync(join(elsewhere, 'builds'))).toBe(false);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('answers 400 build_failed with the output and the exit code when the command fails', async () => {
    const res = await build('failing', { command: 'echo before-failure && exit 3', destination: 'builds' });
    expect([res.status, res.json.type]).toEqual([400, 'build_failed']);
    expect(res.json.message).toContain('before-failure');
    expect(res.json.message.endsWith('Build command exited with code 3.')).toBe(true);
    // The failed build leaves no runtime behind.
    expect((await call('GET', '/v1/runtimes/failing')).status).toBe(404);
    const slow = await build('too-slow', { command: 'sleep 30', timeout: 1 });
    expect([slow.status, slow.json.type]).toEqual([400, 'build_failed']);
    expect(slow.json.message).toContain('Build command timed out after 1 s.');
  });

  it('validates cacheKey and restores the cache folder of a key in later builds with that key', async () => {
    for (const key of ['..', '.hidden', 'a/b', 'x'.repeat(129)]) {
      const bad = await build('bad-key', { command: 'true', cacheKey: key });
      expect([bad.status, bad.json.type], key).toEqual([400, 'general_argument_invalid']);
      expect(bad.json.message).toContain('"cacheKey"');
    }
    const stamp = '"$OPEN_RUNTIMES_BUILD_CACHE/stamp"';
    const first = await build('cache-1', {
      command: `test ! -e ${stamp} && echo from-first-build > ${stamp}`,
      cacheKey: 'deps-v1',
      remove: true,
    });
    expect(first.status, first.text).toBe(201);
    expect(text(first.json.output)).toContain('Build cache miss.');
    expect(text(first.json.output)).toContain('Build cache saved.');
    const second = await build('cache-2', { command: `cat ${stamp}`, cacheKey: 'deps-v1', remove: true });
    expect(second.status, second.text).toBe(201);
    expect(text(second.json.output)).toContain('Build cache hit.');
    expect(text(second.json.output)).toContain('from-first-build');
    // Another key has its own cache.
    const other = await build('cache-3', {
      command: `test ! -e ${stamp}`,
      cacheKey: 'deps-v2',
      remove: true,
    });
    expect(other.status, other.text).toBe(201);
  });

  it('streams build output on the logs route while the build runs and ends the stream with the build', async () => {
    const go = join(root, 'go-stream');
    // Asked before the runtime exists: the route waits for it (and answers once it appears).
    const pending = request(`${ex.url}/v1/runtimes/streamed/logs?timeout=60`, {
      headers: { authorization: `Bearer ${ex.secret}` },
    });
    let created = false;
    const create = build('streamed', { command: `echo step-one; ${waitForFile(go)}; echo step-two` }).then(
      (r) => {
        created = true;
        return r;
      },
    );
    const logs = await pending;
    expect(logs.statusCode).toBe(200);
    let seen = '';
    let released = false;
    const reader = (async () => {
      for await (const chunk of logs.body) {
        seen += String(chunk);
        if (seen.includes('step-one') && !released) {
          released = true;
          // The build is still running: its first line arrived before it finished.
          expect(created).toBe(false);
          writeFileSync(go, '');
        }
      }
    })();
    // The stream ends when the build ends, although the runtime stays (remove: false).
    await reader;
    expect(seen).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+\+00:00 step-one$/m);
    expect(seen).toContain('step-two');
    const res = await create;
    expect(res.status, res.text).toBe(201);
    expect((await call('GET', '/v1/runtimes/streamed')).status).toBe(200);
    expect((await call('DELETE', '/v1/runtimes/streamed')).status).toBe(200);
  });

  it('answers a logs request made after a kept build finished with its output, and ends', async () => {
    const res = await build('kept-logs', { command: 'echo kept-line' });
    expect(res.status, res.text).toBe(201);
    // Asked after the build: with a 60 s timeout, a stream that did not end would fail this test.
    const logs = await request(`${ex.url}/v1/runtimes/kept-logs/logs?timeout=60`, {
      headers: { authorization: `Bearer ${ex.secret}` },
    });
    expect(logs.statusCode).toBe(200);
    expect(await logs.body.text()).toContain('kept-line');
    expect((await call('DELETE', '/v1/runtimes/kept-logs')).status).toBe(200);
  });

  it('ends the logs stream of a failing cached build with the build', async () => {
    const pending = request(`${ex.url}/v1/runtimes/failed-stream/logs?timeout=60`, {
      headers: { authorization: `Bearer ${ex.secret}` },
    });
    const go = join(root, 'go-failed-stream');
    const create = build('failed-stream', {
      command: `echo before-cache-failure; ${waitForFile(go)}; exit 1`,
      cacheKey: 'failing-cache',
      remove: true,
    });
    const logs = await pending;
    expect(logs.statusCode).toBe(200);
    // The stream is attached to the running build before the build fails.
    await waitFor(
      'the log stream',
      async () => (ex.executor.table.get('failed-stream')?.listeners.size ?? 0) > 0,
      10_000,
    );
    writeFileSync(go, '');
    const streamed = await logs.body.text();
    expect(streamed).toContain('before-cache-failure');
    expect(streamed).toContain('Build command exited with code 1.');
    const res = await create;
    expect([res.status, res.json.type]).toEqual([400, 'build_failed']);
    expect(res.json.message).toContain('before-cache-failure');
  });

  it('runs builds through a bounded queue: one worker, one waiting, the next refused with 503', async () => {
    const go = join(root, 'go-queue');
    const waitBefore = (await metric('fleetgate_executor_build_queue_wait_seconds_count')) ?? 0;
    const first = build('queued-1', { command: waitForFile(go), remove: true });
    await waitFor('build 1', async () => (await call('GET', '/v1/runtimes/queued-1')).status === 200, 10_000);
    let secondDone = false;
    const second = build('queued-2', { command: 'echo second', remove: true }).then((r) => {
      secondDone = true;
      return r;
    });
    await waitFor('queue', async () => (await metric('fleetgate_executor_build_queue_depth')) === 1, 10_000);
    expect(await metric('fleetgate_executor_builds_running')).toBe(1);
    const third = await build('queued-3', { command: 'true' });
    expect([third.status, third.json.type]).toEqual([503, 'build_queue_full']);
    expect(third.json.message).toContain('executor.buildQueue is 1');
    expect((await call('GET', '/v1/runtimes/queued-3')).status).toBe(404);
    // A waiting build is not a runtime yet (it takes no runtime slot), but its id is taken.
    expect((await call('GET', '/v1/runtimes/queued-2')).status).toBe(404);
    const again = await build('queued-2', { command: 'true' });
    expect([again.status, again.json.type]).toEqual([409, 'runtime_conflict']);
    // Executions are not held up by the builds.
    const exec = await call('POST', '/v1/runtimes/plain/executions', {
      image: NODE_IMAGE,
      source: 'plain',
      entrypoint: 'index.mjs',
      variables: { GREETING: 'not starved' },
    });
    expect([exec.status, exec.json.body]).toEqual([200, 'not starved']);
    expect(secondDone).toBe(false);
    writeFileSync(go, '');
    expect((await first).status).toBe(201);
    const done = await second;
    expect(done.status, done.text).toBe(201);
    expect(text(done.json.output)).toContain('second');
    expect(await metric('fleetgate_executor_build_queue_depth')).toBe(0);
    expect(await metric('fleetgate_executor_build_queue_wait_seconds_count')).toBe(waitBefore + 2);
  });

  it('keeps a build without remove as a runtime whose folder takes commands', async () => {
    const counters = async () => {
      const body = (await call('GET', '/metrics')).text;
      const read = (series: string) =>
        Number(
          body
            .split('\n')
            .find((l: string) => l.startsWith(`${series} `))
            ?.split(' ')[1] ?? 0,
        );
      return [
        read('fleetgate_executor_builds_total{outcome="success"}'),
        read('fleetgate_executor_cold_starts_total{outcome="success"}'),
      ];
    };
    const [builds, coldStarts] = await counters();
    const res = await build('kept', { command: 'echo built > marker.txt', remove: false });
    expect(res.status, res.text).toBe(201);
    // A build counts as a build, not as a cold start.
    expect(await counters()).toEqual([builds! + 1, coldStarts]);
    expect(res.json.path).toBeUndefined();
    const out = await call('POST', '/v1/runtimes/kept/commands', {
      command: 'cat marker.txt && echo "CI=$CI"',
    });
    expect([out.status, out.json]).toEqual([200, { output: 'built\nCI=true\n' }]);
    const exec = await call('POST', '/v1/runtimes/kept/executions', {});
    expect(exec.json.message).toContain('build environment');
    expect((await call('DELETE', '/v1/runtimes/kept')).status).toBe(200);
    expect((await call('GET', '/v1/runtimes/kept')).status).toBe(404);
  });

  it('runs commands in a runtime process folder and environment, with the real errors', async () => {
    const started = await call('POST', '/v1/runtimes', {
      runtimeId: 'cmd',
      image: NODE_IMAGE,
      source: 'plain',
      entrypoint: 'index.mjs',
      variables: { GREETING: 'hello from the runtime' },
    });
    expect(started.status, started.text).toBe(201);
    const res = await call('POST', '/v1/runtimes/cmd/commands', { command: 'pwd; echo "$GREETING"' });
    expect([res.status, res.json]).toEqual([200, { output: `${root}/plain\nhello from the runtime\n` }]);
    const failed = await call('POST', '/v1/runtimes/cmd/commands', { command: 'echo oops >&2; exit 4' });
    expect([failed.status, failed.json.type]).toEqual([500, 'command_failed']);
    expect(failed.json.message).toBe('Failed to execute command. It exited with code 4.\noops');
    const slow = await call('POST', '/v1/runtimes/cmd/commands', { command: 'sleep 30', timeout: 1 });
    expect([slow.status, slow.json.type]).toEqual([500, 'command_timeout']);
    const missing = await call('POST', '/v1/runtimes/nope/commands', { command: 'true' });
    expect([missing.status, missing.json.type]).toEqual([404, 'runtime_not_found']);
    const empty = await call('POST', '/v1/runtimes/cmd/commands', {});
    expect([empty.status, empty.json.message]).toEqual([400, 'Invalid "command": is required.']);
    const long = await call('POST', '/v1/runtimes/cmd/commands', { command: 'x'.repeat(1025) });
    expect(long.status).toBe(400);
    // Unlike the real executor's, this route needs the executor secret.
    const anonymous = await callExecutor(ex.url, undefined, 'POST', '/v1/runtimes/cmd/commands', {
      command: 'true',
    });
    expect([anonymous.status, anonymous.json.type]).toEqual([401, 'general_unauthorized']);
  });
});

describe('executor shutdown with builds', () => {
  it('refuses waiting builds with 503 and cancels the running one when it stops', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-builds-stop-')));
    const ex = await startInProcessExecutor({
      mode: 'process',
      sourceRoot: root,
      buildWorkers: 1,
      buildQueue: 4,
      drainTimeoutMs: 300,
    });
    try {
      const create = (id: string, command: string) =>
        callExecutor(ex.url, ex.secret, 'POST', '/v1/runtimes', {
          runtimeId: id,
          image: NODE_IMAGE,
          command,
        });
      const pidFile = join(root, 'build.pid');
      const running = create('running', `echo $$ > '${pidFile}'; sleep 60`);
      await waitFor('the running build', async () => existsSync(pidFile), 10_000);
      const waiting = create('waiting', 'true');
      await waitFor(
        'the waiting build',
        async () => ex.executor.metrics.buildQueueDepth.get().then((m) => m.values[0]?.value === 1),
        10_000,
      );
      await ex.close();
      const [r, w] = await Promise.all([running, waiting]);
      expect([w.status, w.json.message]).toEqual([503, 'Executor is shutting down.']);
      expect([r.status, r.json.type]).toEqual([400, 'runtime_failed']);
      expect(r.json.message).toContain('cancelled');
      // The build's shell is gone with its runtime.
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(await waitGone(pid)).toBe(true);
    } finally {
      await ex.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('fleetgate executor process with builds', () => {
  it('takes --build-queue and FLEETGATE_EXECUTOR_BUILD_WORKERS, builds and runs the built package', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'fleetgate-builds-cli-')));
    mkdirSync(join(root, 'fn'));
    writeFileSync(
      join(root, 'fn/index.mjs'),
      "import { readFileSync } from 'node:fs';\nexport default async (context) => context.res.text(readFileSync('built.txt', 'utf8'));\n",
    );
    const fleet = await startExecutors(1, {
      sourceRoot: root,
      args: ['--build-queue', '0'],
      env: { FLEETGATE_EXECUTOR_BUILD_WORKERS: '1' },
    });
    const { url } = fleet.hosts[0]!;
    const call = (path: string, body: unknown) => callExecutor(url, fleet.secret, 'POST', path, body);
    try {
      const go = join(root, 'go');
      const first = call('/v1/runtimes', {
        runtimeId: 'first',
        image: NODE_IMAGE,
        source: 'fn',
        command: `echo "built by $CI" > built.txt; ${waitForFile(go)}`,
        destination: 'builds',
        remove: true,
      });
      await waitFor(
        'the first build',
        async () => (await callExecutor(url, fleet.secret, 'GET', '/v1/runtimes/first')).status === 200,
        10_000,
      );
      // One worker, busy; no room to wait.
      const refused = await call('/v1/runtimes', { runtimeId: 'second', image: NODE_IMAGE, command: 'true' });
      expect([refused.status, refused.json.type]).toEqual([503, 'build_queue_full']);
      writeFileSync(go, '');
      const built = await first;
      expect(built.status, built.text).toBe(201);
      const run = await call('/v1/runtimes/from-package/executions', {
        image: NODE_IMAGE,
        source: built.json.path,
        entrypoint: 'index.mjs',
      });
      expect([run.status, run.json.body]).toEqual([200, 'built by true\n']);
    } finally {
      await fleet.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
