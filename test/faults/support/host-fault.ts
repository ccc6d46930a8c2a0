import { expect } from 'vitest';
import type { ExecutorFleet } from '../../support/executors.ts';
import { waitFor } from '../../support/wait.ts';
import { reportRow, startFaultLoad, tally } from './fault-load.ts';
import { fleetOf, startGatewayProcess } from './gateway-process.ts';
import { LONG } from './long.ts';
import { type RecordingHost, startRecordingHost } from './recording-host.ts';

/** Load of the host-fault runs: short in `npm test`, long with FLEETGATE_LONG=1. */
export const HOST_FAULT_RUN = LONG
  ? { rps: 150, durationMs: 60_000, faultAt: 15_000 }
  : { rps: 100, durationMs: 9_000, faultAt: 3_000 };
const EXEC_MS = 200;

/** A fault applied to one host of three in the middle of a load run. */
export interface HostFaultScenario {
  /** Stable id of its row in bench/results/reliability.json. */
  id: string;
  fault: string;
  /** Applied to host 1 at the fault time. */
  apply(host: RecordingHost): void;
  /** Requests that must fail: none, or those the host took and never answered. */
  expectFailed(host: RecordingHost): number[];
  /** Error code of every failed request. */
  failure?: string;
  /** Whether the gateway must end up ejecting the host (undefined: either is fine). */
  ejected?: boolean;
}

/**
 * Three recording hosts in front of `fleet`'s executors, a `fleetgate gateway` process, steady load;
 * `scenario` hits host 1 mid-run. Asserts the exact set of failed requests and that none of them had
 * failed before reaching a host; prints the README row.
 */
export async function runHostFault(
  fleet: ExecutorFleet,
  scenario: HostFaultScenario,
  prefix: string,
): Promise<void> {
  const hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
  // Upstream deadline 3 s, so a host that never answers costs seconds, not the default 900 s.
  const gw = await startGatewayProcess({ executors: hosts.map((h) => h.address), maxTimeout: '3s' }).catch(
    async (error: unknown) => {
      await Promise.all(hosts.map((h) => h.close()));
      throw error;
    },
  );
  try {
    const run = HOST_FAULT_RUN;
    const victim = hosts[1]!;
    const load = startFaultLoad({
      target: gw.url,
      rps: run.rps,
      durationMs: run.durationMs,
      execTimeMs: EXEC_MS,
      prefix,
    });
    await waitFor(
      'the victim serving',
      () => load.now() >= run.faultAt && victim.answered.size > 0,
      run.faultAt + 20_000,
    );
    const faultAt = load.now();
    scenario.apply(victim);
    const { summary, outcomes, failed } = await load.done;

    const failedNotSent = failed.filter((s) => !hosts.some((h) => h.seen.has(s)));
    const expected = scenario.expectFailed(victim);
    const detail = JSON.stringify({
      failed: failed.length,
      expected: expected.length,
      kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
      notSent: failedNotSent.slice(0, 10),
      summary: {
        planned: summary.planned,
        sent: summary.sent,
        skipped: summary.skipped,
        p99: summary.latencyMs.p99,
      },
      gateway: gw.output().slice(-3000),
    });
    expect(summary.skipped, detail).toBe(0);
    expect(summary.sent, detail).toBe(summary.planned);
    expect(failedNotSent, detail).toEqual([]);
    expect(failed, detail).toEqual(expected);
    if (scenario.failure)
      expect(
        failed.every((s) => outcomes.get(s)?.error === scenario.failure),
        detail,
      ).toBe(true);
    // The victim served traffic before the fault, so the run tested something.
    expect(victim.answered.size, detail).toBeGreaterThan(10);
    if (scenario.ejected === true) {
      await waitFor('the victim ejected', async () =>
        (await fleetOf(gw.url)).hosts.some((h) => h.id === victim.address && !h.healthy),
      );
    } else if (scenario.ejected === false) {
      const view = await fleetOf(gw.url);
      expect(view.hosts.find((h) => h.id === victim.address)?.healthy, detail).toBe(true);
    }
    const lastFailure = Math.max(faultAt, ...failed.map((s) => outcomes.get(s)?.doneAt ?? faultAt));
    reportRow({
      id: scenario.id,
      fault: scenario.fault,
      load: `${run.rps} req/s × ${run.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 hosts, maxTimeout 3 s`,
      sent: summary.sent,
      failed,
      reachedHost: (s) => hosts.some((h) => h.seen.has(s)),
      recoverMs: Math.round(lastFailure - faultAt),
    });
  } finally {
    await gw.stop();
    await Promise.all(hosts.map((h) => h.close()));
  }
}
