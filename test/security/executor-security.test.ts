import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { healthy } from '../../scaler/providers/contract.ts';
import { createProcessProvider } from '../../scaler/providers/process.ts';
import type { HostProvider, ProvisionedHost } from '../../scaler/providers/types.ts';
import { rawExchange } from '../fuzz/support/http-reply.ts';
import { callExecutor, type ExecutorFleet, NODE_IMAGE, startExecutors } from '../support/executors.ts';
import { waitGone } from '../support/processes.ts';
import { tarGz } from '../support/tar.ts';

// Issue 18 findings 1, 2, 4, 5 and 12 against real executor processes running real runtimes.
const SECRET = 'executor-secret-7f3a9c1d';
const GATEWAY_CANARY = 'gateway-secret-canary-51e2';
const OUTSIDE = 'outside-the-source-3b8e';

/** A function that answers with what a runtime can read of its parent (the executor). */
const SNOOP = `export default async (context) => {
  const { readFileSync } = await import('node:fs');
  const read = (p) => { try { return readFileSync(p, 'latin1'); } catch (e) { return 'unreadable: ' + e.code; } };
  return context.res.json({
    environ: read('/proc/' + process.ppid + '/environ'),
    cmdline: read('/proc/' + process.ppid + '/cmdline'),
    ownEnv: JSON.stringify(process.env),
    leak: read(new URL('./leak', import.meta.url).pathname),
  });
};
`;

/** A function whose module never finishes loading: the runtime never listens (a hung start). */
const HANG = `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.PID_FILE, String(process.pid));
setInterval(() => {}, 1000);
await new Promise(() => {});
export default async (context) => context.res.text('never');
`;

describe('executor security (process mode)', () => {
  let root: string;
  let outsideDir: string;
  let fleet: ExecutorFleet;
  let workDir: string;
  const call = (method: string, path: string, body?: unknown) =>
    callExecutor(fleet.hosts[0]!.url, SECRET, method, path, body);
  const create = (id: string, fields: Record<string, unknown>) =>
    call('POST', '/v1/runtimes', { runtimeId: id, image: NODE_IMAGE, timeout: 30, ...fields });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fleetgate-sec-root-'));
    outsideDir = mkdtempSync(join(tmpdir(), 'fleetgate-sec-outside-'));
    writeFileSync(join(outsideDir, 'secret.txt'), OUTSIDE);
    writeFileSync(join(outsideDir, 'evil.mjs'), `export default async (c) => c.res.text('${OUTSIDE}');\n`);
    // Inside the root but outside the function folder.
    writeFileSync(join(root, 'sibling.mjs'), `export default async (c) => c.res.text('${OUTSIDE}');\n`);
    const fn = (name: string, files: Record<string, string>) => {
      mkdirSync(join(root, name));
      for (const [file, text] of Object.entries(files)) writeFileSync(join(root, name, file), text);
      return join(root, name);
    };
    fn('snoop', { 'index.mjs': SNOOP, leak: 'no leak' });
    symlinkSync(join(outsideDir, 'secret.txt'), join(fn('symlinked', { 'index.mjs': SNOOP }), 'leak'));
    symlinkSync(join(outsideDir, 'evil.mjs'), join(fn('entrylink', {}), 'index.mjs'));
    fn('hang', { 'index.mjs': HANG });
    fn('broken', { 'index.mjs': 'throw new Error("boom at import");\n' });
    const tarball = (name: string, entries: Parameters<typeof tarGz>[0]) =>
      writeFileSync(join(root, name), tarGz(entries));
    tarball('clean.tar.gz', [
      { type: 'file', name: 'index.mjs', content: SNOOP },
      { type: 'file', name: 'leak', content: 'no leak' },
    ]);
    tarball('symlink.tar.gz', [
      { type: 'file', name: 'index.mjs', content: SNOOP },
      { type: 'symlink', name: 'leak', target: join(outsideDir, 'secret.txt') },
    ]);
    tarball('hardlink.tar.gz', [
      { type: 'file', name: 'index.mjs', content: SNOOP },
      { type: 'symlink', name: 'out', target: outsideDir },
      { type: 'hardlink', name: 'leak', target: 'out/secret.txt' },
    ]);
    // 64 MiB of zeros: about 64 KiB compressed.
    tarball('bomb.tar.gz', [
      { type: 'file', name: 'index.mjs', content: SNOOP },
      { type: 'file', name: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) },
    ]);
    workDir = mkdtempSync(join(tmpdir(), 'fleetgate-sec-work-'));
    fleet = await startExecutors(1, {
      secret: SECRET,
      idPrefix: 'sec',
      sourceRoot: root,
      args: ['--work-dir', workDir, '--max-runtimes', '3', '--max-source-size', '16'],
    });
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const dir of [root, outsideDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Issue 18 finding 11: the executor must refuse what the gateway refuses, not fold it.
  it.each([
    '/v1/runtimes/zzz/../snoop/executions',
    '/v1/runtimes/zzz/%2e%2e/snoop/executions',
    '/v1/runtimes/zzz/%2E%2e/snoop/executions',
    '/v1/runtimes/./snoop/executions',
    '/v1/runtimes/zzz\\..\\snoop/executions',
  ])('answers the dot-segment path %s with a 400', async (path) => {
    const ex = await rawExchange(fleet.hosts[0]!.port, [
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SECRET}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      ),
    ]);
    expect(ex.responses[0]?.status, ex.raw.toString('latin1').slice(0, 300)).toBe(400);
    // Node's own parser may refuse a backslash before the app sees it (an empty 400).
    if (!path.includes('\\')) expect(ex.responses[0]?.body.toString()).toMatch(/segments/);
  });

  it('refuses a multipart create that repeats runtimeId', async () => {
    const form = new FormData();
    form.append('runtimeId', 'dup-first');
    form.append('runtimeId', 'dup-second');
    form.append('image', NODE_IMAGE);
    const res = await call('POST', '/v1/runtimes', form);
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('"runtimeId" is repeated');
    expect((await call('GET', '/v1/runtimes')).json).toEqual([]);
  });

  it('keeps the executor secret out of the command line a runtime can read', async () => {
    expect((await create('snoop', { source: 'snoop', entrypoint: 'index.mjs' })).status).toBe(201);
    const res = await call('POST', '/v1/runtimes/snoop/executions', {});
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.json.body);
    expect(seen.cmdline).toContain('executor');
    expect(seen.cmdline).not.toContain(SECRET);
    expect(seen.ownEnv).not.toContain(SECRET);
  });

  it.each([
    ['NODE_OPTIONS', '--import=data:text/javascript,console.log(1)'],
    ['LD_PRELOAD', '/tmp/x.so'],
    ['PATH', '/tmp'],
    ['DYLD_INSERT_LIBRARIES', '/tmp/x.dylib'],
    ['NODE_PATH', '/'],
    ['PYTHONSTARTUP', '/tmp/x.py'],
    ['OPEN_RUNTIMES_SECRET', 'x'],
  ])('refuses variables.%s with a 400 naming it', async (name, value) => {
    const res = await create(`var-${name.toLowerCase().replace(/_/g, '-')}`, {
      source: 'snoop',
      entrypoint: 'index.mjs',
      variables: { [name]: value },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ type: 'general_argument_invalid' });
    expect(res.json.message).toContain(name);
  });

  it('still takes ordinary variables (NODE_ENV included)', async () => {
    const res = await create('vars-ok', {
      source: 'snoop',
      entrypoint: 'index.mjs',
      variables: { NODE_ENV: 'production', GREETING: 'hi' },
      remove: true,
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['an absolute entrypoint', 'snoop', '/ABS/evil.mjs', 400],
    ['a .. entrypoint', 'snoop', '../sibling.mjs', 400],
    ['a symlinked entrypoint leading out', 'entrylink', 'index.mjs', 400],
  ])('refuses %s', async (_name, source, given, status) => {
    const entrypoint = given.replace('/ABS', outsideDir);
    const res = await create(`entry-${Math.random().toString(36).slice(2, 8)}`, { source, entrypoint });
    expect(res.status).toBe(status);
    expect(res.text).not.toContain(OUTSIDE);
    expect(res.text).not.toContain(outsideDir);
    expect(res.text).not.toContain(root);
  });

  it.each([
    ['a folder with a symlink leading out', 'symlinked'],
    ['a tarball with a symlink leading out', 'symlink.tar.gz'],
    ['a tarball with a hard link through a symlink', 'hardlink.tar.gz'],
  ])('refuses %s', async (_name, source) => {
    const res = await create(`link-${Math.random().toString(36).slice(2, 8)}`, {
      source,
      entrypoint: 'index.mjs',
    });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('build_failed');
    expect(res.text).not.toContain(OUTSIDE);
    expect(res.text).not.toContain(root);
  });

  it('refuses a tarball that unpacks past --max-source-size and leaves nothing behind', async () => {
    const res = await create('bomb', { source: 'bomb.tar.gz', entrypoint: 'index.mjs' });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain('--max-source-size');
    expect(readdirSync(join(workDir, 'src'))).toEqual([]);
  });

  it('deletes an extracted source when its runtime stops', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await create('tarred', { source: 'clean.tar.gz', entrypoint: 'index.mjs' })).status).toBe(201);
      expect(readdirSync(join(workDir, 'src'))).toHaveLength(1);
      expect((await call('DELETE', '/v1/runtimes/tarred')).status).toBe(200);
      const until = Date.now() + 10_000;
      while (readdirSync(join(workDir, 'src')).length > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(readdirSync(join(workDir, 'src'))).toEqual([]);
    }
  });

  it('keeps absolute paths out of a failed start answer', async () => {
    const res = await create('broken', { source: 'broken', entrypoint: 'index.mjs' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('boom at import');
    expect(res.text).not.toContain(root);
    expect(res.text).not.toMatch(/\/executor\/runtime\//);
  });

  it('kills a start that outlives its timeout, and counts starts against --max-runtimes', async () => {
    // Leave only hung starts: the table holds at most 3 runtimes.
    for (const id of ['snoop']) await call('DELETE', `/v1/runtimes/${id}`);
    const pidFile = (i: number) => join(root, `hang-${i}.pid`);
    const hung = [0, 1, 2].map((i) =>
      create(`hang-${i}`, {
        source: 'hang',
        entrypoint: 'index.mjs',
        timeout: 120,
        variables: { PID_FILE: pidFile(i) },
      }),
    );
    const until = Date.now() + 30_000;
    while ([0, 1, 2].some((i) => !existsSync(pidFile(i))) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const fourth = await create('hang-3', { source: 'hang', entrypoint: 'index.mjs', timeout: 5 });
    expect(fourth.status).toBe(503);
    expect(fourth.json.message).toContain('--max-runtimes 3');
    for (const id of [0, 1, 2]) await call('DELETE', `/v1/runtimes/hang-${id}`);
    await Promise.all(hung);
    // A start with a short timeout: answered runtime_timeout, and its process is gone.
    const short = create('hang-short', {
      source: 'hang',
      entrypoint: 'index.mjs',
      timeout: 2,
      variables: { PID_FILE: pidFile(9) },
    });
    const res = await short;
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('runtime_timeout');
    const { readFileSync } = await import('node:fs');
    const pid = Number(readFileSync(pidFile(9), 'utf8'));
    expect(await waitGone(pid, 10_000)).toBe(true);
    expect((await call('GET', '/v1/runtimes')).json).toEqual([]);
  }, 60_000);
});

describe('executors started by the process provider', () => {
  let root: string;
  let provider: HostProvider;
  let host: ProvisionedHost;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fleetgate-sec-provider-'));
    mkdirSync(join(root, 'snoop'));
    writeFileSync(join(root, 'snoop', 'index.mjs'), SNOOP);
    writeFileSync(join(root, 'snoop', 'leak'), 'no leak');
    // A secret of the scaler's own, as a gateway secret or a deploy token in its environment.
    process.env.FLEETGATE_GATEWAY_SECRET = GATEWAY_CANARY;
    provider = createProcessProvider({
      pool: 'sec',
      executorSecret: SECRET,
      executorArgs: ['--source-root', root],
      stopOnClose: true,
      stopTimeoutMs: 10_000,
      logger: silentLogger(),
    });
    host = await provider.create({ inUse: new Set() });
    delete process.env.FLEETGATE_GATEWAY_SECRET;
    expect(await healthy(host.url, 30_000)).toBe(true);
  }, 60_000);

  afterAll(async () => {
    delete process.env.FLEETGATE_GATEWAY_SECRET;
    await provider?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a runtime reads neither the executor secret nor the scaler secrets in /proc/<ppid>/environ', async () => {
    const res = await callExecutor(host.url, SECRET, 'POST', '/v1/runtimes/snoop/executions', {
      image: NODE_IMAGE,
      source: 'snoop',
      entrypoint: 'index.mjs',
    });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.json.body);
    // The block is readable (same user): what matters is that the secrets are not in it.
    expect(seen.environ).toContain('FLEETGATE_HOST_ID=');
    for (const text of [seen.environ, seen.cmdline, seen.ownEnv]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(GATEWAY_CANARY);
    }
  });
});
