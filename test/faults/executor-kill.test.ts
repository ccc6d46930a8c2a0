import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { fleetOf, type GatewayProcess, startGatewayProcess, waitFor } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

// Short: 10 s at 120 req/s; long (FLEETGATE_LONG=1): 60 s at 200 req/s.
const RUN = LONG
  ? { rps: 200, durationMs: 60_000, faultAt: 20_000 }
  : { rps: 120, durationMs: 10_000, faultAt: 4_000 };
const EXEC_MS = 300;

describe('an executor SIGKILLed mid-run under load', () => {
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let gw: GatewayProcess;

  beforeAll(async () => {
    fleet = await startExecutors(3, {
      mode: 'simulated',
      idPrefix: 'kill',
      args: ['--sim-cold-start', '20'],
    });
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    gw = await startGatewayProcess({ executors: hosts.map((h) => h.address) });
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
  });

  it(
    'fails exactly the requests in flight on the dead host; none that had not reached it',
    async () => {
      const victim = hosts[1]!;
      const load = startFaultLoad({
        target: gw.url,
        rps: RUN.rps,
        durationMs: RUN.durationMs,
        execTimeMs: EXEC_MS,
      });
      await waitFor(
        'the victim has requests in flight',
        () => load.now() >= RUN.faultAt && victim.inFlight().length >= 3,
        RUN.faultAt + 20_000,
      );
      // The machine dies: the executor process is SIGKILLed and every connection to it is reset.
      const crashAt = load.now();
      void fleet.kill(1);
      const inFlightAtCrash = await victim.crash();
      const { summary, outcomes, failed } = await load.done;

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
      expect(after.length).toBeGreaterThan(RUN.rps);
      expect(after.every((o) => o.status === 200)).toBe(true);
      await waitFor('the dead host is ejected', async () =>
        (await fleetOf(gw.url)).hosts.some((h) => h.id === victim.address && !h.healthy),
      );
      const lastFailure = Math.max(crashAt, ...failed.map((s) => outcomes.get(s)?.doneAt ?? crashAt));
      reportRow({
        id: 'executor-sigkill',
        fault: 'executor SIGKILL mid-run',
        load: `${RUN.rps} req/s × ${RUN.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 hosts`,
        sent: summary.sent,
        failed,
        reachedHost: seenAnywhere,
        recoverMs: Math.round(lastFailure - crashAt),
      });
    },
    RUN.durationMs + 60_000,
  );
});
