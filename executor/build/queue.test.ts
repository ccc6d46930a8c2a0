import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { ExecutorError } from '../errors.ts';
import { BuildQueue } from './queue.ts';

/** A job that finishes when its `finish` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((r) => {
    finish = r;
  });
  return { finish, job: () => done };
}

describe('BuildQueue', () => {
  it('runs at most `workers` jobs, queues the rest in order and reports depth and waits', async () => {
    const clock = new ManualClock(1000);
    const states: [number, number][] = [];
    const waits: number[] = [];
    const queue = new BuildQueue({
      workers: 2,
      capacity: 2,
      clock,
      observer: { changed: (w, r) => states.push([w, r]), started: (ms) => waits.push(ms) },
    });
    const gates = [gate(), gate(), gate(), gate()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      queue.run(async () => {
        order.push(i);
        await g.job();
      }),
    );
    await Promise.resolve();
    expect([queue.active, queue.depth]).toEqual([2, 2]);
    expect(order).toEqual([0, 1]);
    // A fifth is refused at once.
    await expect(queue.run(async () => {})).rejects.toMatchObject({ type: 'build_queue_full', status: 503 });
    clock.advance(250);
    gates[1]!.finish();
    await runs[1];
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    clock.advance(100);
    gates[0]!.finish();
    gates[2]!.finish();
    gates[3]!.finish();
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(waits).toEqual([0, 0, 250, 350]);
    expect(states.at(-1)).toEqual([0, 0]);
    expect([queue.active, queue.depth]).toEqual([0, 0]);
  });

  it('frees the worker when a job fails, and drops an aborted waiting job', async () => {
    const queue = new BuildQueue({ workers: 1, capacity: 5, clock: new ManualClock() });
    const g = gate();
    const first = queue.run(g.job);
    const abort = new AbortController();
    let ran = false;
    const waiting = queue.run(async () => {
      ran = true;
    }, abort.signal);
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    expect(queue.depth).toBe(2);
    abort.abort(new ExecutorError('runtime_failed', 'removed'));
    await expect(waiting).rejects.toThrow('removed');
    expect(queue.depth).toBe(1);
    g.finish();
    await first;
    await expect(failing).rejects.toThrow('boom');
    expect([ran, queue.active, queue.depth]).toEqual([false, 0, 0]);
  });

  it('refuses impossible settings', () => {
    expect(() => new BuildQueue({ workers: 0, capacity: 1, clock: new ManualClock() })).toThrow(RangeError);
    expect(() => new BuildQueue({ workers: 1, capacity: -1, clock: new ManualClock() })).toThrow(RangeError);
  });
});
