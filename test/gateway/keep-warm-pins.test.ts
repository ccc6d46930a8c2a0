import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimesCommand } from '../../cli/runtimes-command.ts';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors, TEST_EXECUTOR_SECRET } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';
import { hasRuntime, metricSum } from './runtime-probes.ts';

// Issue 19, deliverable 3: keep-warm pins with minimum warm counts and always-warm windows, against a
// real executor process that would keep runtimes for an hour (only the gateway deletes them).

const ADMIN = 'pins-admin';
const EXECUTOR_AUTH = { authorization: `Bearer ${TEST_EXECUTOR_SECRET}` };

/** A window that opens two hours from now and lasts one hour (UTC): closed for the whole test. */
function closedWindow(): string {
  const hm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const now = Date.now();
  return `${hm(now + 2 * 3_600_000)}-${hm(now + 3 * 3_600_000)}`;
}

describe('keep-warm pins (1 executor with a 1 h inactivity threshold)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(1, {
      mode: 'simulated',
      idPrefix: 'pins',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    const h = fleet.hosts[0]!;
    await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({
      registry,
      options: {
        adminToken: ADMIN,
        activator: { enabled: true },
        placement: { maxEntries: 1_000, resyncInterval: 200 },
        keepWarm: {
          enabled: true,
          tick: 100,
          fixedKeepAlive: 600,
          pins: [
            { pattern: 'floor-*', alwaysWarm: false, maxIdle: undefined, minWarm: 1, windows: [] },
            {
              pattern: 'open-*',
              alwaysWarm: false,
              maxIdle: undefined,
              minWarm: 0,
              windows: ['00:00-24:00'],
            },
            {
              pattern: 'shut-*',
              alwaysWarm: false,
              maxIdle: undefined,
              minWarm: 0,
              windows: [closedWindow()],
            },
          ],
        },
      },
    });
    await until('the host in the view', () => gw.gateway.fleet.hosts.length === 1);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  it('minWarm keeps the most recently called runtime of its pattern; a window keeps runtimes while open', async () => {
    const url = fleet.hosts[0]!.url;
    for (const id of ['floor-old', 'floor-new', 'open-a', 'shut-a', 'plain-a']) {
      const res = await call(gw.url, 'POST', `/v1/runtimes/${id}/executions`, { body: simExecution() });
      expect(res.status).toBe(200);
    }
    // plain-a was called last: once the gateway deleted it, every other runtime's keep-alive is over too.
    await until('the gateway to delete plain-a', async () => !(await hasRuntime(url, 'plain-a')), 10_000);
    await until('the gateway to delete shut-a', async () => !(await hasRuntime(url, 'shut-a')), 10_000);
    await until('the gateway to delete floor-old', async () => !(await hasRuntime(url, 'floor-old')), 10_000);
    expect(await hasRuntime(url, 'floor-new')).toBe(true);
    expect(await hasRuntime(url, 'open-a')).toBe(true);

    const floor = await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=floor-new', {
      auth: `Bearer ${ADMIN}`,
    });
    expect(floor.body).toMatchObject({
      wantsWarmNow: true,
      pin: { pattern: 'floor-*', minWarm: 1, keptByMinWarm: true },
    });
    const shut = await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=shut-a', { auth: `Bearer ${ADMIN}` });
    expect(shut.body).toMatchObject({ wantsWarmNow: false, pin: { inWindow: false } });
    expect(shut.body.nextPrewarmAt).toBe(shut.body.pin.nextWindowAt);
    expect(shut.body.nextPrewarmAt).toBeGreaterThan(Date.now() + 3_600_000);
  });

  it('a minWarm runtime reaped by its executor is created again before its next call', async () => {
    const url = fleet.hosts[0]!.url;
    const creates = () => metricSum(gw, 'fleetgate_gateway_activator_creates_total{');
    const before = await creates();
    // The executor reaps floor-new (as its inactivity timer would).
    const del = await request(`${url}/v1/runtimes/floor-new`, { method: 'DELETE', headers: EXECUTOR_AUTH });
    expect(del.statusCode).toBe(200);
    await del.body.dump();
    expect(await hasRuntime(url, 'floor-new')).toBe(false);
    const warmOn = async () =>
      (await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=floor-new', { auth: `Bearer ${ADMIN}` })).body
        .warmOn as string[];
    await until('the gateway to create floor-new again', async () => (await creates()) > before, 10_000);
    await until('floor-new known warm', async () => (await warmOn()).length === 1);
    expect(await hasRuntime(url, 'floor-new')).toBe(true);
    const res = await call(gw.url, 'POST', '/v1/runtimes/floor-new/executions', { body: simExecution() });
    expect(res.status).toBe(200);
    expect(res.headers['x-fleetgate-cold-start']).toBeUndefined();
  });

  it('fleetgate runtimes explain prints the pin', async () => {
    let out = '';
    const io = {
      stdout: { write: (t: string) => (out += t) } as unknown as NodeJS.WritableStream,
      stderr: process.stderr,
      env: {},
    };
    expect(await runtimesCommand.run(['explain', 'open-a', '--gateway', gw.url, '--token', ADMIN], io)).toBe(
      0,
    );
    expect(out).toMatch(/^pin +open-\*: windows 00:00-24:00 UTC \(open now\)$/m);
    expect(out).toMatch(/^wants warm now +yes$/m);
    out = '';
    await runtimesCommand.run(['explain', 'floor-old', '--gateway', gw.url, '--token', ADMIN], io);
    expect(out).toMatch(/^pin +floor-\*: minWarm 1 \(not this one\)$/m);
  });
});
