import { expect } from 'vitest';
import { waitFor } from '../../support/wait.ts';
import { type FaultLoad, reportRow, tally } from './fault-load.ts';
import { fleetOf } from './gateway-process.ts';
import type { RecordingHost } from './recording-host.ts';

/** A load run on three recording hosts of which one is killed mid-run (executor-kill tests). */
export interface HostKillRun {
  rps: number;
  faultAt: number;
}

/** Waits until the run reached its fault time and the victim has at least 3 requests in flight. */
export async function untilVictimBusy(
  load: FaultLoad,
  victim: RecordingHost,
  run: HostKillRun,
): Promise<void> {
  await waitFor(
    'the victim has requests in flight',
    () => load.now() >= run.faultAt && victim.inFlight().length >= 3,
    run.faultAt + 20_000,
  );
}

/**
 * After `victim` died at `crashAt` with `inFlightAtCrash` on it: asserts that exactly those requests
 * failed (upstream_failed), none that had not reached a host, that every request sent after the crash
 * succeeded and that the gateway ejects the victim; then prints the reliability row `row`.
 */
export async function expectOnlyInFlightFailed(options: {
  load: FaultLoad;
  hosts: RecordingHost[];
  victim: RecordingHost;
  gatewayUrl: string;
  run: HostKillRun;
  crashAt: number;
  inFlightAtCrash: number[];
  row: { id: string; fault: string; load: string };
  /** Further checks, given the failure detail for their messages. */
  also?: (detail: string) => Promise<void>;
}): Promise<void> {
  const { hosts, victim, run, crashAt, inFlightAtCrash } = options;
  const { summary, outcomes, failed } = await options.load.done;
  const seenAnywhere = (seq: number) => hosts.some((h) => h.seen.has(seq));
  const failedNotSent = failed.filter((s) => !seenAnywhere(s));
  const detail = JSON.stringify({
    failed: failed.length,
    inFlightAtCrash: inFlightAtCrash.length,
    kinds: tally(failed.map((s) => outcomes.get(s)?.error)),
    notSent: failedNotSent.slice(0, 10),
    notSentWhy: failedNotSent.slice(0, 5).map((s) => ({ s, ...outcomes.get(s) })),
    summary: {
      planned: summary.planned,
      sent: summary.sent,
      skipped: summary.skipped,
      errors: summary.errorsByKind,
    },
    victim: victim.address,
  });
  await options.also?.(detail);
  expect(summary.skipped, detail).toBe(0);
  expect(summary.sent, detail).toBe(summary.planned);
  expect(inFlightAtCrash.length, detail).toBeGreaterThanOrEqual(3);
  expect(failedNotSent, detail).toEqual([]);
  // Exactly the requests the host had received and not yet answered: nothing retried twice, nothing else lost.
  expect(failed, detail).toEqual([...inFlightAtCrash].sort((a, b) => a - b));
  expect(
    failed.every((s) => outcomes.get(s)?.error === 'upstream_failed'),
    detail,
  ).toBe(true);
  // Requests sent after the crash all succeeded (connect failures went to another host).
  const after = [...outcomes.values()].filter((o) => o.sentAt > crashAt);
  expect(after.length, detail).toBeGreaterThan(run.rps);
  expect(
    after.every((o) => o.status === 200),
    detail,
  ).toBe(true);
  await waitFor('the dead host is ejected', async () =>
    (await fleetOf(options.gatewayUrl)).hosts.some((h) => h.id === victim.address && !h.healthy),
  );
  const lastFailure = Math.max(crashAt, ...failed.map((s) => outcomes.get(s)?.doneAt ?? crashAt));
  reportRow({
    ...options.row,
    sent: summary.sent,
    failed,
    reachedHost: seenAnywhere,
    recoverMs: Math.round(lastFailure - crashAt),
  });
}
