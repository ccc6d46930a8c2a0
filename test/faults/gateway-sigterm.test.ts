import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRefused } from '../support/connect-refused.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { waitFor } from '../support/wait.ts';
import { reportRow, startFaultLoad, tally } from './support/fault-load.ts';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.ts';
import { LONG } from './support/long.ts';
import { type RecordingHost, startRecordingHost } from './support/recording-host.ts';

const RUN = LONG
  ? { rps: 150, durationMs: 60_000, termAt: 20_000 }
  : { rps: 100, durationMs: 8_000, termAt: 3_000 };
// Long executions, so the gateway has many requests in flight when SIGTERM arrives (≈ rps × 1.5 s).
const EXEC_MS = 1_500;
/** What the README row promises: at least this many requests at the hosts when the signal arrives. */
const MIN_IN_FLIGHT = 100;

// Two gateway processes in front of the same executors, as behind a TCP load balancer: A is sent
// SIGTERM mid-run; the client moves to B.
describe('a gateway sent SIGTERM with requests in flight', () => {
  let fleet: ExecutorFleet;
  let hosts: RecordingHost[];
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'term',
      args: ['--sim-cold-start', '20', '--sim-concurrency', '64'],
    });
    // Recording relays in front of the executors: they see every request that reached a host.
    hosts = await Promise.all(fleet.hosts.map((h) => startRecordingHost(h.port)));
    const executors = hosts.map((h) => h.address);
    [a, b] = await Promise.all([startGatewayProcess({ executors }), startGatewayProcess({ executors })]);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await Promise.all((hosts ?? []).map((h) => h.close()));
    await fleet?.stop();
  });

  it('finishes every request it had accepted, refuses new connections, exits 0; the client carries on elsewhere', async () => {
    const onA = startFaultLoad({
      target: a.url,
      rps: RUN.rps,
      durationMs: RUN.termAt + 60_000,
      execTimeMs: EXEC_MS,
      prefix: 'term',
    });
    await waitFor(
      `load on A, with ≥ ${MIN_IN_FLIGHT} requests at the hosts`,
      () => onA.now() >= RUN.termAt && hosts.reduce((n, h) => n + h.inFlight().length, 0) >= MIN_IN_FLIGHT,
      RUN.termAt + 20_000,
    );
    // The balancer in front stops sending to A, then A gets SIGTERM once every request sent to A is
    // written to a connected socket (a loaded client can lag behind its schedule). Connections still
    // in A's accept queue at the signal stay in the test: A accepts its backlog before it closes the
    // listener (the next test checks that alone).
    onA.stop();
    await waitFor('every request sent to A written', () => onA.unwritten().length === 0, 30_000);
    const termAt = onA.now();
    process.kill(a.pid, 'SIGTERM');
    const inFlightAtTerm = hosts.reduce((n, h) => n + h.inFlight().length, 0);
    const onB = startFaultLoad({
      target: b.url,
      rps: RUN.rps,
      durationMs: RUN.durationMs - RUN.termAt,
      execTimeMs: EXEC_MS,
      prefix: 'term',
      seed: 8,
    });
    // While A drains, new connections are refused (the port is closed) so they go elsewhere.
    await waitFor('A refuses new connections', () => connectRefused(a.port), 10_000);
    const resultA = await onA.done;
    const exit = await a.proc.exited;
    const exitMs = onA.now() - termAt;
    const resultB = await onB.done;

    const pendingAtTerm = [...resultA.outcomes.values()].filter(
      (o) => (o.doneAt ?? Infinity) > termAt,
    ).length;
    const detail = JSON.stringify({
      a: tally(resultA.failed.map((s) => resultA.outcomes.get(s)?.error)),
      b: tally(resultB.failed.map((s) => resultB.outcomes.get(s)?.error)),
      exitMs,
      pendingAtTerm,
      inFlightAtTerm,
      exit,
      output: a.output().slice(-1500),
    });
    expect(inFlightAtTerm, detail).toBeGreaterThanOrEqual(MIN_IN_FLIGHT);
    expect(pendingAtTerm, detail).toBeGreaterThanOrEqual(inFlightAtTerm);
    expect(resultA.failed, detail).toEqual([]);
    expect(resultB.failed, detail).toEqual([]);
    expect(exit, detail).toEqual({ code: 0, signal: null });
    reportRow({
      id: 'gateway-sigterm',
      fault: `gateway SIGTERM with ${inFlightAtTerm} requests in flight (client moves to a second gateway)`,
      load: `${RUN.rps} req/s × ${RUN.durationMs / 1000} s, ${EXEC_MS} ms executions, 2 hosts, 2 gateways`,
      sent: resultA.summary.sent + resultB.summary.sent,
      failed: [...resultA.failed, ...resultB.failed],
      reachedHost: (s) => hosts.some((h) => h.seen.has(s)),
      recoverMs: Math.round(exitMs),
    });
  }, 120_000);

  it('answers the requests waiting in its accept backlog when SIGTERM arrives, instead of resetting them', async () => {
    const gw = await startGatewayProcess({ executors: hosts.map((h) => h.address) });
    try {
      // Stopped, the gateway accepts nothing: the kernel completes the handshakes and queues the
      // connections, with their requests, in the listener's backlog.
      process.kill(gw.pid, 'SIGSTOP');
      const clients = await Promise.all(Array.from({ length: 20 }, () => sendRaw(gw.port)));
      process.kill(gw.pid, 'SIGTERM');
      process.kill(gw.pid, 'SIGCONT');
      const answers = await Promise.all(clients.map((c) => c.answer));
      const detail = JSON.stringify({ answers, output: gw.output().slice(-1500) });
      expect(
        answers.map((a) => a.split('\r\n')[0]),
        detail,
      ).toEqual(answers.map(() => 'HTTP/1.1 200 OK'));
      expect(await gw.proc.exited, detail).toEqual({ code: 0, signal: null });
    } finally {
      await gw.stop();
    }
  }, 60_000);
});

/** Connects and writes a health request; `answer` is everything read until the connection ends. */
function sendRaw(port: number): Promise<{ answer: Promise<string> }> {
  return new Promise((connected, failed) => {
    const socket: Socket = connect(port, '127.0.0.1');
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.write('GET /v1/proxy/health HTTP/1.1\r\nHost: fleetgate\r\nConnection: close\r\n\r\n');
      connected({
        answer: new Promise<string>((resolve) => {
          let text = '';
          socket.removeListener('error', failed);
          socket.on('data', (c: Buffer) => {
            text += c.toString();
          });
          socket.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
          socket.once('close', () => resolve(text));
        }),
      });
    });
  });
}
