import { describe, expect, it } from 'vitest';
import { createRing } from './ring.ts';
import { cachedRing } from './ring-cache.ts';

describe('cachedRing', () => {
  const ring = createRing(['a', 'b', 'c', 'd'].map((id) => ({ id, weight: 1 })));

  it('gives the same orders as the ring it wraps, cached or not', () => {
    const cached = cachedRing(ring, 3);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) {
        const key = `rt-${i}`;
        expect(cached.candidates(key)).toEqual(ring.candidates(key));
        expect(cached.candidates(key, 2)).toEqual(ring.candidates(key, 2));
      }
    }
    expect(cached.members).toBe(ring.members);
    expect(Object.isFrozen(cached.candidates('rt-1'))).toBe(true);
  });

  it('computes each key once while cached, and evicts the oldest key past its bound', () => {
    const computed: string[] = [];
    const counting = {
      members: ring.members,
      candidates(key: string, n?: number) {
        if (n === undefined) computed.push(key);
        return ring.candidates(key, n);
      },
    };
    const cached = cachedRing(counting, 3);
    for (const key of ['k0', 'k1', 'k2', 'k0', 'k1', 'k2']) cached.candidates(key);
    expect(computed).toEqual(['k0', 'k1', 'k2']); // three keys fit: each computed once
    const k1 = cached.candidates('k1');
    cached.candidates('k3'); // a fourth key evicts the oldest (k0), and only it
    expect(cached.candidates('k1')).toBe(k1);
    cached.candidates('k2');
    expect(computed).toEqual(['k0', 'k1', 'k2', 'k3']);
    cached.candidates('k0'); // recomputed: it had been evicted; this evicts k1
    expect(computed).toEqual(['k0', 'k1', 'k2', 'k3', 'k0']);
    cached.candidates('k1');
    expect(computed).toEqual(['k0', 'k1', 'k2', 'k3', 'k0', 'k1']);
  });
});
