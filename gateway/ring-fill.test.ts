import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fillInBackground } from './ring-fill.ts';
import { createTableRing } from './ring-table.ts';

const members = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `h${i}`, weight: 1 }));

describe('fillInBackground', () => {
  it('completes the table a slice per turn of the event loop, letting other callbacks run between', async () => {
    const ring = createTableRing([], { buckets: 4096 }).update(members(50));
    let otherTurns = 0;
    let done = false;
    const finished = new Promise<{ turns: number }>((resolve) =>
      fillInBackground(ring, (report) => resolve(report), 5_000),
    );
    void finished.then(() => {
      done = true;
    });
    // Another task on the same loop keeps getting turns while the table fills.
    while (!done) {
      otherTurns += 1;
      await nextTurn();
    }
    const report = await finished;
    expect(ring.pending).toBe(0);
    // 4,096 buckets of 50 host scores (and the bucket's own cost) at 5,000 a turn: over 40 turns.
    expect(report.turns).toBeGreaterThanOrEqual(40);
    expect(otherTurns).toBeGreaterThanOrEqual(report.turns - 1);
  });

  it('stops when cancelled, leaving the rest to lookups', async () => {
    const ring = createTableRing([], { buckets: 4096 }).update(members(50));
    let completed = false;
    const stop = fillInBackground(ring, () => (completed = true), 5_000);
    await nextTurn();
    await nextTurn();
    stop();
    const left = ring.pending;
    expect(left).toBeLessThan(4096);
    expect(left).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(ring.pending).toBe(left);
    expect(completed).toBe(false);
  });

  it('reports at once on a table already complete', () => {
    let turns = -1;
    fillInBackground(createTableRing(members(3), { buckets: 4096 }), (r) => (turns = r.turns));
    expect(turns).toBe(0);
  });
});
