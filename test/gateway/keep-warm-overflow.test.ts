import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { type ExecutorFleet, startExecutors } from '../support/executors.ts';
import { call, simExecution, startTestGateway, type TestGateway, until } from './harness.ts';

// Issue 19: a runtime whose bursts overflow to a second host again and again keeps its overflow copy
// for as long as its bursts recur (learnSurplus), learned from the gaps between its overflow episodes;
// until enough gaps are known, the copy goes after the fixed surplusIdle.

const ADMIN = 'keep-warm-overflow-admin';
const SURPLUS_IDLE = 300;
/** The pause between bursts beyond the copy's trim: the gaps the gateway learns are longer than surplusIdle. */
const PAUSE = 500;

describe('keep-warm: overflow copies kept while their bursts recur (2 executors, 1 h inactivity threshold)', () => {
  let fleet: ExecutorFleet;
  let registry: MemoryRegistry;
  let gw: TestGateway;

  beforeAll(async () => {
    fleet = await startExecutors(2, {
      mode: 'simulated',
      idPrefix: 'overflow',
      args: ['--sim-cold-start', '50', '--inactive-threshold', '60m'],
    });
    registry = new MemoryRegistry();
    for (const h of fleet.hosts)
      await registry.register('default', { id: h.id, url: h.url, state: 'active' });
    gw = await startTestGateway({
      registry,
      options: {
        adminToken: ADMIN,
        activator: { enabled: true },
        placement: { maxEntries: 1_000, resyncInterval: 200 },
        keepWarm: {
          enabled: true,
          tick: 50,
          binWidth: 100,
          fixedKeepAlive: 600_000,
          surplusIdle: SURPLUS_IDLE,
          minSamples: 3,
          handoff: false,
          // The runtime itself stays wanted, so only its overflow copy can go: what the test watches.
          pins: [{ pattern: 'surge', alwaysWarm: true, maxIdle: undefined, minWarm: 0, windows: [] }],
        },
      },
    });
    await until('both hosts in the view', () => gw.gateway.fleet.hosts.length === 2);
  });
  afterAll(async () => {
    await gw?.close();
    await registry?.close();
    await fleet?.stop();
  });

  /** Eight concurrent 300 ms calls: bounded loads spill some to the host without the runtime. */
  async function burst(): Promise<void> {
    const calls = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(gw.url, 'POST', '/v1/runtimes/surge/executions', {
          body: simExecution({ headers: { 'x-sim-duration-ms': '300' } }),
        }),
      ),
    );
    expect(calls.map((c) => c.status)).toEqual(Array(8).fill(200));
    expect(gw.gateway.placement.hosts('surge')).toHaveLength(2);
  }
  const explain = async () =>
    (await call(gw.url, 'GET', '/v1/fleet/lifetime?runtime=surge', { auth: `Bearer ${ADMIN}` })).body;

  it('trims the overflow copy after surplusIdle until 3 gaps are known, then keeps it up to p99 of the gaps', async () => {
    const first = await call(gw.url, 'POST', '/v1/runtimes/surge/executions', { body: simExecution() });
    expect(first.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await burst();
      expect((await explain()).surplusCopies).toMatchObject({ basis: 'fixed', idle: SURPLUS_IDLE });
      await until(
        'the overflow copy trimmed',
        () => gw.gateway.placement.hosts('surge').length === 1,
        10_000,
      );
      // The gap between this episode and the next: the trim, then a pause.
      await sleep(PAUSE);
    }
    await burst();
    const ended = Date.now();
    const keep = (await explain()).surplusCopies;
    expect(keep.basis).toBe('learned');
    expect(keep.overflowGaps).toBe(3);
    // Every gap was at least SURPLUS_IDLE + PAUSE long: the learned keep-alive is past it.
    expect(keep.idle).toBeGreaterThanOrEqual(SURPLUS_IDLE + PAUSE);
    await until('the overflow copy trimmed', () => gw.gateway.placement.hosts('surge').length === 1, 20_000);
    // Not after surplusIdle this time: after the learned keep-alive (the copy's idle time starts when its last call ended).
    expect(Date.now() - ended).toBeGreaterThanOrEqual(keep.idle - 200);
  });
});
