import { afterEach, describe, expect, it } from 'vitest';
import {
  callExecutor,
  type ExecutorFleet,
  HELLO_ENTRYPOINT,
  HELLO_SOURCE,
  NODE_IMAGE,
  startExecutors,
} from '../support/executors.ts';
import { isAlive, waitGone } from '../support/processes.ts';

/** Waits until the executor's gauge `name` reaches `n`. */
async function waitGauge(url: string, name: string, n: number): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    if (Number(line?.split(' ')[1]) >= n) return;
    if (Date.now() > until) throw new Error(`${name} never reached ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const PID_FN = { image: NODE_IMAGE, source: 'test/executor/fixtures/functions', entrypoint: 'pid.mjs' };

describe('executor processes (startExecutors)', () => {
  let fleet: ExecutorFleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('starts N executors on distinct ports that answer health and executions', async () => {
    fleet = await startExecutors(2, { idPrefix: 'fleet' });
    expect(fleet.hosts.map((h) => h.id)).toEqual(['fleet-0', 'fleet-1']);
    expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(2);
    for (const host of fleet.hosts) {
      const health = await callExecutor(host.url, undefined, 'GET', '/v1/health');
      expect(health.status).toBe(200);
      expect(health.text).toBe('OK');
      const exec = await callExecutor(host.url, fleet.secret, 'POST', '/v1/runtimes/hello/executions', {
        image: NODE_IMAGE,
        source: HELLO_SOURCE,
        entrypoint: HELLO_ENTRYPOINT,
        path: '/greet?name=fleet',
      });
      expect(exec.status).toBe(200);
      expect(JSON.parse(exec.json.body)).toEqual({
        greeting: 'Hello, fleet!',
        method: 'GET',
        path: '/greet',
      });
    }
  });

  it('SIGTERM finishes the in-flight execution, then stops every runtime process (no orphans)', async () => {
    fleet = await startExecutors(1, { args: ['--drain-timeout', '20s'] });
    const [host] = fleet.hosts;
    const pids: number[] = [];
    for (const id of ['drain-a', 'drain-b']) {
      const r = await callExecutor(host!.url, fleet.secret, 'POST', `/v1/runtimes/${id}/executions`, PID_FN);
      pids.push(JSON.parse(r.json.body).pid);
    }
    expect(pids.every(isAlive)).toBe(true);
    const slow = callExecutor(host!.url, fleet.secret, 'POST', '/v1/runtimes/drain-a/executions', {
      path: '/?sleep=1500',
    });
    await waitGauge(host!.url, 'fleetgate_executor_inflight_executions', 1);
    await fleet.kill(0, 'SIGTERM');
    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.json.body).pid).toBe(pids[0]);
    expect(await fleet.exited(0)).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });

  it('SIGTERM stops waiting at the drain deadline: the late execution fails, the process exits 0', async () => {
    fleet = await startExecutors(1, { args: ['--drain-timeout', '300ms'] });
    const url = fleet.hosts[0]!.url;
    const first = await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes/late/executions', PID_FN);
    const pid = JSON.parse(first.json.body).pid as number;
    const slow = callExecutor(url, fleet.secret, 'POST', '/v1/runtimes/late/executions', {
      path: '/?sleep=20000',
      timeout: 60,
    }).catch(() => ({ status: 0, json: undefined }));
    await waitGauge(url, 'fleetgate_executor_inflight_executions', 1);
    await fleet.kill(0, 'SIGTERM');
    expect(await fleet.exited(0)).toEqual({ code: 0, signal: null });
    const res = await slow;
    expect([res.status, res.json?.type]).toEqual([500, 'runtime_failed']);
    expect(await waitGone(pid)).toBe(true);
  });

  it('SIGTERM exits even while log streams and waits for absent runtimes are open', async () => {
    // A stream ends once its runtime is initialised: this one is still starting (an hour-long cold start).
    fleet = await startExecutors(1, {
      mode: 'simulated',
      args: ['--sim-cold-start', '3600000', '--drain-timeout', '500ms'],
    });
    const url = fleet.hosts[0]!.url;
    const starting = callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', {
      runtimeId: 'streamed',
      image: 'sim',
    }).catch(() => undefined);
    const open = ['streamed', 'absent'].map((id) =>
      fetch(`${url}/v1/runtimes/${id}/logs?timeout=99999`, {
        headers: { authorization: `Bearer ${fleet!.secret}` },
      })
        .then((r) => r.text())
        .catch(() => ''),
    );
    await waitGauge(url, 'fleetgate_executor_log_streams', 2);
    await fleet.kill(0, 'SIGTERM');
    expect(await fleet.exited(0)).toEqual({ code: 0, signal: null });
    await Promise.all([...open, starting]);
  });

  it('runtime processes die with an executor that is SIGKILLed', async () => {
    fleet = await startExecutors(1);
    const r = await callExecutor(
      fleet.hosts[0]!.url,
      fleet.secret,
      'POST',
      '/v1/runtimes/orphan/executions',
      PID_FN,
    );
    const pid = JSON.parse(r.json.body).pid as number;
    expect(isAlive(pid)).toBe(true);
    await fleet.kill(0, 'SIGKILL');
    expect(await waitGone(pid)).toBe(true);
  });

  it('prints its URL on one stdout line even with --log-level warn', async () => {
    fleet = await startExecutors(1, { mode: 'simulated', args: ['--log-level', 'warn'] });
    const find = () =>
      fleet!
        .output(0)
        .split('\n')
        .find((l) => l.includes('executor listening'));
    // stdout and the health socket are separate pipes: the line may be read a moment later.
    const until = Date.now() + 10_000;
    while (!find() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const line = find();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ url: fleet.hosts[0]!.url, port: fleet.hosts[0]!.port });
  });

  it('answers the legacy health shape with --legacy-health (simulated mode)', async () => {
    fleet = await startExecutors(1, {
      mode: 'simulated',
      legacyHealth: true,
      args: ['--sim-cold-start', '5'],
    });
    const url = fleet.hosts[0]!.url;
    await callExecutor(url, fleet.secret, 'POST', '/v1/runtimes', { runtimeId: 'legacy', image: 'sim' });
    const health = await callExecutor(url, undefined, 'GET', '/v1/health');
    expect(health.json).toMatchObject({ status: 'pass', runtimes: { legacy: { status: 'pass', usage: 0 } } });
    expect(typeof health.json.usage).toBe('number');
  });
});
