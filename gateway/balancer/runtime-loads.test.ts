import { describe, expect, it } from 'vitest';
import { RuntimeLoads } from './runtime-loads.ts';

describe('RuntimeLoads', () => {
  it('counts per runtime and per host, and forgets a runtime with nothing in flight', () => {
    const l = new RuntimeLoads();
    l.add('rt', 'h1', 1);
    l.add('rt', 'h1', 1);
    l.add('rt', 'h2', 1);
    expect([l.total('rt'), l.on('rt', 'h1'), l.on('rt', 'h2'), l.on('rt', 'h3')]).toEqual([3, 2, 1, 0]);
    l.add('rt', 'h1', -1);
    l.add('rt', 'h1', -1);
    l.add('rt', 'h2', -1);
    expect(l.total('rt')).toBe(0);
    expect(l.size).toBe(0);
    l.add('other', 'h1', -1); // a release without a lend changes nothing
    expect(l.size).toBe(0);
  });
});
