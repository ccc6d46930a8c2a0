import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { startFaultLoad } from './support/fault-load.ts';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { expectOnlyInFlightFailed, untilVictimBusy } from './support/host-kill.ts';
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
      await untilVictimBusy(load, victim, RUN);
      // The machine dies: the executor process is SIGKILLed and every connection to it is reset.
      const crashAt = load.now();
      void fleet.kill(1);
      const inFlightAtCrash = await victim.crash();
      await expectOnlyInFlightFailed({
        load,
        hosts,
        victim,
        gatewayUrl: gw.url,
        run: RUN,
        crashAt,
        inFlightAtCrash,
        row: {
          id: 'executor-sigkill',
          fault: 'executor SIGKILL mid-run',
          load: `${RUN.rps} req/s × ${RUN.durationMs / 1000} s, ${EXEC_MS} ms executions, 3 hosts`,
        },
      });
    },
    RUN.durationMs + 60_000,
  );
});
