import { describe, expect, it } from 'vitest';
import { SimFleet } from './fleet.ts';

describe('SimFleet', () => {
  it('boots hosts after the boot delay; a hanging host stays booting', () => {
    const fleet = new SimFleet({
      bootMs: 45_000,
      execMs: 1_000,
      drainTimeoutMs: 900_000,
      hangs: (n) => n === 2,
    });
    fleet.start(3, 0);
    fleet.advance(44_999);
    expect(fleet.counts()).toEqual({ active: 0, booting: 3, draining: 0 });
    fleet.advance(45_000);
    expect(fleet.counts()).toEqual({ active: 2, booting: 1, draining: 0 });
    expect(fleet.counters.registryWrites).toBe(3);
  });

  it('stops a drained host once its executions finish, cutting nothing off', () => {
    const fleet = new SimFleet({ bootMs: 1, execMs: 2_000, drainTimeoutMs: 900_000 });
    fleet.seedActive(2, 0);
    fleet.drain('h001', 0, 16);
    expect(fleet.observe(1_000, 16).find((h) => h.id === 'h001')!.inflight).toBe(4);
    fleet.advance(1_000);
    expect(fleet.counts().draining).toBe(1);
    fleet.advance(2_000);
    expect(fleet.counts()).toEqual({ active: 1, booting: 0, draining: 0 });
    expect(fleet.counters).toMatchObject({ stopped: 1, cutOff: 0, stoppedBusy: 0 });
  });

  it('cuts executions off when the drain timeout comes first', () => {
    const fleet = new SimFleet({ bootMs: 1, execMs: 10_000, drainTimeoutMs: 5_000 });
    fleet.seedActive(2, 0);
    fleet.drain('h002', 0, 16);
    fleet.advance(5_000);
    expect(fleet.counters).toMatchObject({ stopped: 1, cutOff: 4, stoppedBusy: 1 });
  });

  it('replaces a host: the stuck one goes, a new one boots', () => {
    const fleet = new SimFleet({ bootMs: 10_000, execMs: 1_000, drainTimeoutMs: 1_000, hangs: () => true });
    fleet.start(1, 0);
    fleet.replace('h001', 5_000);
    fleet.advance(15_000);
    expect(fleet.observe(15_000, 0).map((h) => [h.id, h.state])).toEqual([['h002', 'active']]);
    expect(fleet.counters.replaced).toBe(1);
  });
});
