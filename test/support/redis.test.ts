import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, reapOrphans, requireBinary, startProcess, stopPid } from './processes.ts';
import { startRedis, type TestRedis } from './redis.ts';

describe('startRedis', () => {
  const started: TestRedis[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });

  it('starts a redis-server that answers, and stop() leaves no process', async () => {
    const redis = await startRedis();
    started.push(redis);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redis.command('PING')).toBe('+PONG');
    const pid = redis.pid;
    await redis.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it('restarts a killed server on the same port, with a new pid', async () => {
    const redis = await startRedis();
    started.push(redis);
    const first = redis.pid;
    await redis.kill();
    expect(isAlive(first)).toBe(false);
    await expect(redis.command('PING')).rejects.toThrow(/ECONNREFUSED/);
    await redis.restart();
    expect(redis.pid).not.toBe(first);
    expect(await redis.command('PING')).toBe('+PONG');
  });

  it('keeps data across a crash only when asked to persist', async () => {
    const persistent = await startRedis({ persist: true });
    const volatile = await startRedis();
    started.push(persistent, volatile);
    for (const r of [persistent, volatile]) {
      await r.command('SET', 'k', 'v');
      await r.kill();
      await r.restart();
    }
    expect(await persistent.command('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await volatile.command('GET', 'k')).toBe('$-1\r\n');
  });

  it('requires the password it was started with', async () => {
    const redis = await startRedis({ password: 'pw' });
    started.push(redis);
    expect(redis.url).toBe(`redis://:pw@127.0.0.1:${redis.port}`);
    expect(await redis.command('PING')).toBe('+PONG');
  });

  it('starts a one-node cluster that owns every slot', async () => {
    const redis = await startRedis({ cluster: true });
    started.push(redis);
    expect(redis.url).toMatch(/^redis-cluster:\/\//);
    expect(await redis.command('CLUSTER', 'INFO')).toContain('cluster_slots_assigned:16384');
  });
});

describe('processes', () => {
  it('names the missing binary and its package', () => {
    expect(() => requireBinary('fleetgate-no-such-binary', 'some-package')).toThrow(
      /fleetgate-no-such-binary not found on PATH.*apt-get install -y some-package/,
    );
  });

  it('reports a child that exits before it is ready, with its output', async () => {
    await expect(
      startProcess({
        name: 'quitter',
        command: 'sh',
        args: ['-c', 'echo going away; exit 3'],
        ready: async () => false,
      }),
    ).rejects.toThrow(/quitter exited before it was ready \(code 3.*\n.*going away/);
  });

  it('SIGKILLs a child that ignores SIGTERM once the stop deadline passes', async () => {
    const child = await startProcess({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'],
      ready: (output) => output.includes('ready'),
      stopTimeoutMs: 200,
    });
    const info = await child.stop();
    expect(info.signal).toBe('SIGKILL');
    expect(isAlive(child.pid)).toBe(false);
  });

  it('reaps the children of a test worker that was SIGKILLed (so its exit hook never ran)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-reap-'));
    const script = join(dir, 'owner.mts');
    const processes = fileURLToPath(new URL('./processes.ts', import.meta.url));
    writeFileSync(
      script,
      `import { startProcess } from ${JSON.stringify(processes)};
const child = await startProcess({ name: 'orphan', command: 'sleep', args: ['60'], ready: () => true });
console.log(JSON.stringify({ child: child.pid }));
setInterval(() => {}, 1000);
`,
    );
    const owner = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    owner.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    const { child } = await eventuallyJson(() => out);
    try {
      owner.kill('SIGKILL');
      await new Promise((resolve) => owner.once('exit', resolve));
      expect(isAlive(child)).toBe(true);
      reapOrphans();
      await poll(() => !isAlive(child));
    } finally {
      await stopPid(child, 1000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function poll(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function eventuallyJson(read: () => string): Promise<{ child: number }> {
  await poll(() => read().includes('\n'));
  return JSON.parse(read().split('\n')[0] as string);
}
