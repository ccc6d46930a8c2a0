import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInProcessExecutor } from '../test/support/executors.ts';

describe('startExecutor', () => {
  it('removes work folders left by executors that died, and keeps those of live ones', async () => {
    // A pid that has exited: a finished child's.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = join(tmpdir(), `fleetgate-executor-${deadPid}-stale`);
    const live = join(tmpdir(), `fleetgate-executor-${process.ppid}-live`);
    mkdirSync(join(stale, 'logs'), { recursive: true });
    mkdirSync(live, { recursive: true });
    const ex = await startInProcessExecutor({ mode: 'simulated' });
    try {
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      await ex.close();
      rmSync(stale, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });

  it('removes its own work folder on close', async () => {
    const ex = await startInProcessExecutor({ mode: 'process' });
    const dir = ex.executor.options.workDir;
    expect(existsSync(dir)).toBe(true);
    await ex.close();
    expect(existsSync(dir)).toBe(false);
  });
});
