import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { healthy } from './contract.ts';
import { createProcessProvider } from './process.ts';

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
