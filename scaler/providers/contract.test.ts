import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/free-port.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createCommandProvider } from './command.ts';
import { describeProviderContract, healthy } from './contract.ts';
import { createProcessProvider } from './process.ts';
import { createStaticProvider } from './static.ts';

const FAKE = fileURLToPath(new URL('../../test/scaler/fixtures/fake-executor.mjs', import.meta.url));

describeProviderContract('static', async () => {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  // One kept in use, one destroyed, three created at once.
  for (let i = 0; i < 4; i++) {
    const port = await freePort();
    children.push(spawn(process.execPath, [FAKE, 'executor', '--port', String(port)], { stdio: 'ignore' }));
    urls.push(`http://127.0.0.1:${port}`);
  }
  for (const url of urls)
    if (!(await healthy(url, 15_000))) throw new Error(`fake executor ${url} did not start`);
  return {
    provider: createStaticProvider({ hosts: urls, logger: silentLogger() }),
    destroyStopsHost: false,
    async cleanup() {
      for (const c of children) if (c.pid) process.kill(c.pid, 'SIGKILL');
    },
  };
});

// The real thing: `fleetgate executor` processes, as in production.
describeProviderContract('process', async () => {
  const provider = createProcessProvider({
    pool: 'contract',
    executorSecret: 'executor-secret',
    logger: silentLogger(),
    stopTimeoutMs: 10_000,
    stopOnClose: true,
  });
  return { provider, destroyStopsHost: true, cleanup: async () => {} };
});

describeProviderContract('command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fleetgate-cmd-'));
  const node = JSON.stringify(process.execPath);
  const fake = JSON.stringify(FAKE);
  const create =
    `${node} ${fake} executor --port 0 --url-file "${dir}/$FLEETGATE_HOST_ID.url" >/dev/null 2>&1 & ` +
    `echo $! > "${dir}/$FLEETGATE_HOST_ID.pid"; ` +
    `while [ ! -s "${dir}/$FLEETGATE_HOST_ID.url" ]; do sleep 0.05; done; ` +
    `echo "creating $FLEETGATE_HOST_ID"; cat "${dir}/$FLEETGATE_HOST_ID.url"`;
  const destroy = `[ -f "${dir}/$FLEETGATE_HOST_ID.pid" ] && kill $(cat "${dir}/$FLEETGATE_HOST_ID.pid") 2>/dev/null; true`;
  let n = 0;
  const provider = createCommandProvider({
    pool: 'contract',
    create,
    destroy,
    timeoutMs: 20_000,
    logger: silentLogger(),
    newId: () => `contract-${++n}`,
  });
  return {
    provider,
    destroyStopsHost: true,
    async cleanup() {
      for (const file of await readdir(dir)) {
        if (!file.endsWith('.pid')) continue;
        const pid = Number(await readFile(join(dir, file), 'utf8'));
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // stopped by destroy already
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
});
