import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAULT_GATEWAY_SECRET,
  type GatewayProcess,
  startGatewayProcess,
} from '../faults/support/gateway-process.ts';
import { LONG } from '../faults/support/long.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { isAlive } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { clientSockets, fdCount, rssMiB, socketsOf } from './support/proc-stats.ts';
import { recordFuzz, runFuzz } from './support/run-fuzz.ts';

// Short: 400 cases or 25 s; long (FLEETGATE_LONG=1): 6000 cases or 5 min. Seed fixed: a failure replays.
const BUDGET = LONG ? { cases: 6_000, budgetMs: 300_000 } : { cases: 400, budgetMs: 25_000 };
const CONCURRENCY = 8;
const SEED = Number(process.env.FLEETGATE_FUZZ_SEED ?? 20261128);

describe('fuzzing the gateway over raw sockets', () => {
  let fleet: ExecutorFleet;
  let gw: GatewayProcess;
  let canary: Server;
  let canaryConnections = 0;

  beforeAll(async () => {
    canary = createServer((s) => {
      canaryConnections++;
      s.destroy();
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    fleet = await startExecutors(1, { mode: 'simulated', idPrefix: 'fuzz-gw' });
    gw = await startGatewayProcess({ executors: [fleet.hosts[0]!.url], maxTimeout: '5s' });
  });

  afterAll(async () => {
    await gw?.stop();
    await fleet?.stop();
    await new Promise((r) => canary?.close(r));
  });

  const good = async () => {
    const res = await fetch(`${gw.url}/v1/runtimes/fuzz-ok/executions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${FAULT_GATEWAY_SECRET}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ image: 'openruntimes/node:v5-22', source: '', entrypoint: 'index.mjs' }),
    });
    await res.arrayBuffer();
    return res.status;
  };

  it(
    'answers every request with a well-formed response or a clean close; stays up; no fd or memory leak',
    async () => {
      expect(await good()).toBe(200);
      const fdBefore = fdCount(gw.pid);
      let rssWarm = rssMiB(gw.pid);
      const canaryAddress = `127.0.0.1:${(canary.address() as { port: number }).port}`;
      const report = await runFuzz({
        port: gw.port,
        target: {
          secret: FAULT_GATEWAY_SECRET,
          paths: ['/v1/proxy/health', '/healthz', '/readyz', '/metrics', '/v1/fleet', '/v1/health'],
          canary: canaryAddress,
          gatewayRules: true,
        },
        seed: SEED,
        ...BUDGET,
        concurrency: CONCURRENCY,
        checkpointAt: 50,
        onCheckpoint: () => {
          rssWarm = rssMiB(gw.pid);
        },
      });
      const detail = JSON.stringify({ report, gateway: gw.output().slice(-2000) }, null, 1).slice(0, 8_000);
      expect(isAlive(gw.pid), detail).toBe(true);
      expect(report.cases, detail).toBeGreaterThanOrEqual(Math.min(BUDGET.cases, 150));
      expect(report.bad, detail).toEqual([]);
      expect(report.byKind.response ?? 0, detail).toBeGreaterThan(report.cases / 2);
      expect(canaryConnections, detail).toBe(0);
      // Nothing went wrong inside: every line the gateway wrote since it started is a JSON log line
      // below error level (no stack traces from unhandled errors, no "unexpected error").
      expect(gw.troubledLines(), detail).toEqual([]);
      expect(await good(), detail).toBe(200);
      // Sockets left by the fuzz close (client gone, upstream keep-alive 4 s): fds return to the baseline.
      await waitFor('fds back to the baseline', () => clientSockets(gw.pid, gw.port) === 0, 30_000).catch(
        () => undefined,
      );
      const fdAfter = fdCount(gw.pid);
      const rssEnd = rssMiB(gw.pid);
      recordFuzz('gateway', SEED, report, [fdBefore, fdAfter], [rssWarm, rssEnd]);
      // Every client connection is closed; what remains are idle keep-alive connections of the upstream
      // pool (at most one per concurrent fuzz worker), not one per request.
      const sockets = JSON.stringify(socketsOf(gw.pid));
      expect(clientSockets(gw.pid, gw.port), sockets).toBe(0);
      expect(fdAfter, sockets).toBeLessThanOrEqual(fdBefore + CONCURRENCY + 2);
      // Bounded memory: generous, since V8 grows its heap lazily; a leak per request would exceed it.
      expect(rssEnd - rssWarm, detail).toBeLessThan(150);
    },
    BUDGET.budgetMs + 90_000,
  );
});
