import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG } from '../faults/support/long.ts';
import { callExecutor, type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { isAlive } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { clientSockets, fdCount, rssMiB, socketsOf } from './support/proc-stats.ts';
import { recordFuzz, runFuzz } from './support/run-fuzz.ts';

const BUDGET = LONG ? { cases: 6_000, budgetMs: 300_000 } : { cases: 400, budgetMs: 25_000 };
const CONCURRENCY = 8;
const SEED = Number(process.env.FLEETGATE_FUZZ_SEED ?? 20261129);

describe('fuzzing the local executor over raw sockets', () => {
  let fleet: ExecutorFleet;
  let canary: Server;
  let canaryConnections = 0;

  beforeAll(async () => {
    canary = createServer((s) => {
      canaryConnections++;
      s.destroy();
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'fuzz-ex' });
  });

  afterAll(async () => {
    await fleet?.stop();
    await new Promise((r) => canary?.close(r));
  });

  const good = async () =>
    (
      await callExecutor(fleet.hosts[0]!.url, fleet.secret, 'POST', '/v1/runtimes/fuzz-ok/executions', {
        image: 'openruntimes/node:v5-22',
        source: '',
        entrypoint: 'index.mjs',
      })
    ).status;

  it(
    'answers every request with a well-formed response or a clean close; stays up; no fd or memory leak',
    async () => {
      const { pid, port } = fleet.hosts[0]!;
      expect(await good()).toBe(200);
      const fdBefore = fdCount(pid);
      let rssWarm = rssMiB(pid);
      const report = await runFuzz({
        port,
        target: {
          secret: fleet.secret,
          paths: ['/v1/health', '/v1/runtimes', '/metrics', '/v1/runtimes/fuzz-ok'],
          canary: `127.0.0.1:${(canary.address() as { port: number }).port}`,
        },
        seed: SEED,
        ...BUDGET,
        concurrency: CONCURRENCY,
        checkpointAt: 50,
        onCheckpoint: () => {
          rssWarm = rssMiB(pid);
        },
      });
      const detail = JSON.stringify({ report, executor: fleet.output(0).slice(-2000) }, null, 1).slice(
        0,
        8_000,
      );
      expect(isAlive(pid), detail).toBe(true);
      expect(report.cases, detail).toBeGreaterThanOrEqual(Math.min(BUDGET.cases, 150));
      expect(report.bad, detail).toEqual([]);
      expect(canaryConnections, detail).toBe(0);
      expect(await good(), detail).toBe(200);
      await waitFor('fds back to the baseline', () => clientSockets(pid, port) === 0, 30_000).catch(
        () => undefined,
      );
      const fdAfter = fdCount(pid);
      const rssEnd = rssMiB(pid);
      recordFuzz('executor', SEED, report, [fdBefore, fdAfter], [rssWarm, rssEnd]);
      // Every client connection is closed; what remains are idle keep-alive connections of the upstream
      // pool (at most one per concurrent fuzz worker), not one per request.
      const sockets = JSON.stringify(socketsOf(pid));
      expect(clientSockets(pid, port), sockets).toBe(0);
      expect(fdAfter, sockets).toBeLessThanOrEqual(fdBefore + CONCURRENCY + 2);
      expect(rssEnd - rssWarm, detail).toBeLessThan(150);
    },
    BUDGET.budgetMs + 90_000,
  );
});
