import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { healthy } from './contract.ts';
import { createProcessProvider, openExecutorLog } from './process.ts';

const FAKE = fileURLToPath(new URL('../../test/scaler/fixtures/fake-executor.mjs', import.meta.url));

function provider() {
  return createProcessProvider({
    pool: 'pp',
    executorSecret: 's',
    logger: silentLogger(),
    stopTimeoutMs: 5000,
    stopOnClose: true,
    command: (port) => ({ command: process.execPath, args: [FAKE, 'executor', '--port', String(port)] }),
  });
}

describe('process provider', () => {
  it('labels hosts with pid and port, and lets another provider instance stop them (takeover)', async () => {
    const first = provider();
    const second = provider();
    const host = await first.create({ inUse: new Set() });
    try {
      expect(host.id).toBe(`pp-p${host.labels.port}`);
      expect(Number(host.labels.pid)).toBeGreaterThan(0);
      expect(await healthy(host.url, 15_000)).toBe(true);
      expect(await second.exists?.(host)).toBe(true);
      await second.destroy(host);
      expect(await second.exists?.(host)).toBe(false);
      expect(await first.exists?.(host)).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('never signals a reused pid that no longer runs the executor', async () => {
    const p = provider();
    // Our own pid runs vitest, not an executor on that port: it must be left alone.
    const foreign = {
      id: 'pp-p1',
      url: 'http://127.0.0.1:1',
      labels: { pid: String(process.pid), port: '1' },
    };
    expect(await p.exists?.(foreign)).toBe(false);
    await p.destroy(foreign);
    await p.close();
  });

  it('leaves its executors running on close unless told to stop them', async () => {
    const keep = createProcessProvider({
      pool: 'pp',
      executorSecret: 's',
      logger: silentLogger(),
      command: (port) => ({ command: process.execPath, args: [FAKE, 'executor', '--port', String(port)] }),
    });
    const host = await keep.create({ inUse: new Set() });
    await keep.close();
    expect(await healthy(host.url, 15_000)).toBe(true);
    const other = provider();
    await other.destroy(host);
    expect(await other.exists?.(host)).toBe(false);
    await other.close();
  });

  // Issue 18 finding 8: a fixed 0755 folder under $TMPDIR with 0644 logs opened through symlinks.
  it('logs each executor to a 0600 file in a private 0700 folder of its own', async () => {
    const p = provider();
    const host = await p.create({ inUse: new Set() });
    try {
      const logFile = readlinkSync(`/proc/${host.labels.pid}/fd/1`);
      expect(basename(dirname(logFile))).toMatch(/^fleetgate-executors-.{6}$/);
      expect(statSync(dirname(logFile)).mode & 0o777).toBe(0o700);
      expect(statSync(logFile).mode & 0o777).toBe(0o600);
    } finally {
      await p.close();
    }
  });

  it('refuses to open a log file through a planted symlink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-log-link-'));
    try {
      writeFileSync(join(dir, 'target'), 'untouched');
      symlinkSync(join(dir, 'target'), join(dir, 'pp-p1.log'));
      expect(() => openExecutorLog(join(dir, 'pp-p1.log'))).toThrow(/ELOOP/);
      expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('untouched');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a host whose process died as gone', async () => {
    const p = provider();
    const host = await p.create({ inUse: new Set() });
    await healthy(host.url, 15_000);
    process.kill(Number(host.labels.pid), 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while ((await p.exists?.(host)) !== false && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await p.exists?.(host)).toBe(false);
    await p.close();
  });
});
