import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { createCommandProvider } from './command.ts';
import { ProviderError } from './types.ts';

describe('command provider', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-cmdp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const provider = (create: string, destroy = 'true', timeoutMs = 5000) =>
    createCommandProvider({
      pool: 'p',
      create,
      destroy,
      timeoutMs,
      logger: silentLogger(),
      newId: () => 'p-1',
    });

  it.each([
    ['a non-zero exit', 'echo http://127.0.0.1:1; exit 3', 'PROVIDER_CREATE_FAILED'],
    ['no URL on the last line', 'echo http://127.0.0.1:1; echo done', 'PROVIDER_BAD_OUTPUT'],
    ['nothing printed', 'true', 'PROVIDER_BAD_OUTPUT'],
    ['a non-http URL', 'echo ftp://x', 'PROVIDER_BAD_OUTPUT'],
    // The registry refuses a URL with a path (every gateway would ignore the host): fail here, loudly.
    ['a URL with a path', 'echo http://127.0.0.1:1/base', 'PROVIDER_BAD_OUTPUT'],
    ['a URL with credentials', 'echo http://u:pw@127.0.0.1:1', 'PROVIDER_BAD_OUTPUT'],
    ['a hang past the timeout', 'sleep 30', 'PROVIDER_TIMEOUT'],
  ])('fails create on %s with %s', async (_name, create, code) => {
    const error = await provider(create, 'true', 500)
      .create({ inUse: new Set() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe(code);
  });

  // Issue 18 finding 6: command output (which can hold a deploy token) reached /explain whole.
  it('redacts and truncates the output it puts in errors', async () => {
    const noisy = [
      'echo "deploy with token=DEPLOY-tok-1 via https://ops:DEPLOY-pw-2@api.example/v1"',
      'echo "Authorization: Bearer DEPLOY-bearer-3" >&2',
      'head -c 20000 /dev/zero | tr "\\0" x',
      'echo',
      'echo "password: DEPLOY-pw-4"',
      'exit 1',
    ].join('; ');
    const error = (await provider(noisy)
      .create({ inUse: new Set() })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.code).toBe('PROVIDER_CREATE_FAILED');
    expect(error.message).not.toMatch(/DEPLOY-/);
    expect(error.message.length).toBeLessThan(2500);
    expect(error.message).toContain('********');
  });

  it('passes the pool and host id to create and takes the last stdout line as the URL', async () => {
    const host = await provider(
      'echo "log line $FLEETGATE_POOL/$FLEETGATE_HOST_ID" >&2; echo http://10.0.0.1:81/',
    ).create({
      inUse: new Set(),
    });
    expect(host).toEqual({ id: 'p-1', url: 'http://10.0.0.1:81', labels: {} });
  });

  it('kills the whole process group of a command that hangs', async () => {
    const pidFile = join(dir, 'hang.pid');
    const error = await provider(`sleep 60 & echo $! > ${pidFile}; wait`, 'true', 500)
      .create({ inUse: new Set() })
      .catch((e: unknown) => e);
    expect((error as ProviderError).code).toBe('PROVIDER_TIMEOUT');
    const pid = Number(await readFile(pidFile, 'utf8'));
    const deadline = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('gives destroy the host id and URL and reports its failure', async () => {
    const out = join(dir, 'destroy.env');
    const p = provider('true', `echo "$FLEETGATE_HOST_ID $FLEETGATE_HOST_URL" > ${out}; exit 1`);
    const error = await p.destroy({ id: 'p-9', url: 'http://h:1', labels: {} }).catch((e: unknown) => e);
    expect((error as ProviderError).code).toBe('PROVIDER_DESTROY_FAILED');
    expect((await readFile(out, 'utf8')).trim()).toBe('p-9 http://h:1');
  });
});
