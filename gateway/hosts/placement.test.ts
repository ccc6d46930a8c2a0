import { describe, expect, it } from 'vitest';
import { PlacementMap } from './placement.ts';

describe('PlacementMap', () => {
  it('marks, reads and clears per host', () => {
    const p = new PlacementMap(10);
    p.markWarm('rt', 'a');
    p.markWarm('rt', 'b');
    p.markWarm('rt', 'a');
    expect(p.hosts('rt')).toEqual(['a', 'b']);
    expect(p.isWarm('rt', 'b')).toBe(true);
    p.clear('rt', 'a');
    expect(p.hosts('rt')).toEqual(['b']);
    p.clear('rt');
    expect(p.size).toBe(0);
    expect(p.isWarm('rt', 'b')).toBe(false);
  });

  it('evicts the least recently used runtime past maxEntries', () => {
    const p = new PlacementMap(3);
    for (const id of ['r1', 'r2', 'r3']) p.markWarm(id, 'a');
    p.markWarm('r1', 'a'); // touch r1: r2 is now the oldest
    p.markWarm('r4', 'a');
    expect(p.size).toBe(3);
    expect(p.isWarm('r2', 'a')).toBe(false);
    expect(p.isWarm('r1', 'a')).toBe(true);
  });

  it('keeps the order when the newest runtime is touched again, and moves it once another came', () => {
    const p = new PlacementMap(2);
    p.markWarm('r1', 'a');
    p.markWarm('r2', 'a');
    p.markWarm('r2', 'a'); // already the newest: nothing moves
    p.markWarm('r2', 'b'); // a new host for it
    p.markWarm('r3', 'a'); // evicts r1, the oldest
    expect(p.isWarm('r1', 'a')).toBe(false);
    expect(p.hosts('r2')).toEqual(['a', 'b']);
    p.markWarm('r2', 'a'); // r3 is the newest now: r2 becomes it
    p.markWarm('r4', 'a'); // evicts r3
    expect(p.isWarm('r3', 'a')).toBe(false);
    expect(p.isWarm('r2', 'a')).toBe(true);
  });

  it('resync replaces what one host reported and leaves the others', () => {
    const p = new PlacementMap(100);
    p.markWarm('old', 'a');
    p.markWarm('shared', 'a');
    p.markWarm('shared', 'b');
    p.resync('a', ['shared', 'new']);
    expect(p.isWarm('old', 'a')).toBe(false);
    expect(p.hosts('shared')).toEqual(['a', 'b']);
    expect(p.isWarm('new', 'a')).toBe(true);
    p.removeHost('b');
    expect(p.byHost()).toEqual(new Map([['a', ['shared', 'new']]]));
    expect(p.countsByHost()).toEqual(new Map([['a', 2]]));
  });
});
