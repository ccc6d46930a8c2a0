import { describe, expect, it } from 'vitest';
import { type SimRouter, simulate } from './sim.ts';

const plain: SimRouter = {
  name: 'ch',
  loadFactor: 1.25,
  loadFloor: 1,
  boundedLoads: false,
  warmPreference: false,
};
const replicated: SimRouter = {
  name: 'replicated',
  loadFactor: 1.25,
  loadFloor: 4,
  boundedLoads: true,
  warmPreference: true,
  replication: 8,
};

describe('simulate (the bench:routing model)', () => {
  it('counts one cold start per runtime and host, and queues past the slots', () => {
    // One runtime, 10 calls of 100 ms at once, then one more after they finished: one cold start
    const events = [
      ...Array.from({ length: 10 }, () => ({ at: 0, runtimeId: 'rt', durationMs: 100 })),
      { at: 1000, runtimeId: 'rt', durationMs: 100 },
    ];
    const r = simulate(events, 10_000, plain, 500, 8);
    expect(r.coldStarts).toBe(1);
    // 8 run after the 500 ms start, 2 wait for a slot: p99 is 700 ms
    expect(r.p99).toBe(700);
    expect(r.p50).toBe(600);
  });

  it('spreads a runtime too hot for one host over warm replicas, and keeps the tail on one host', () => {
    // hot keeps 20 in flight (200 req/s × 100 ms: more than one host's 8 slots) for 4 s; 20 tail runtimes, 2 calls each
    const events: { at: number; runtimeId: string; durationMs: number }[] = [];
    for (let t = 0; t < 4000; t += 5) events.push({ at: t, runtimeId: 'hot', durationMs: 100 });
    for (let i = 0; i < 20; i++)
      for (const at of [100 + i * 50, 2000 + i * 50])
        events.push({ at, runtimeId: `tail-${i}`, durationMs: 50 });
    events.sort((a, b) => a.at - b.at);
    const r = simulate(events, 10_000, replicated, 500, 8);
    const c = simulate(events, 10_000, plain, 500, 8);
    // Plain consistent hashing: one host each, the hot one queues behind 8 slots
    expect(c.coldStarts).toBe(21);
    expect(c.p99).toBeGreaterThan(2000);
    expect(c.peakToAvg).toBeGreaterThan(3);
    // Replicated: the hot runtime on all 4 hosts (3 more starts), each tail runtime once, no queue
    // past the first start: p99 is the 500 ms start plus a slot wait, p50 the execution itself
    expect(r.coldStarts).toBe(21 + 3);
    expect(r.breakdown).toEqual({ 'p0 extra overflow': 3, 'p0 first ring': 21 });
    expect(r.p50).toBe(100);
    expect(r.p99).toBeLessThan(1000);
    expect(r.peakToAvg).toBeLessThan(1.2);
  });
});
