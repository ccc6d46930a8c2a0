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

  it('computes each key once while cached, and drops the oldest generation past its bound', () => {
    const computed: string[] = [];
    const counting = {
      members: ring.members,
      candidates(key: string, n?: number) {
        if (n === undefined) computed.push(key);
        return ring.candidates(key, n);
      },
    };
    const cached = cachedRing(counting, 4); // two generations of 2 keys
    for (const key of ['k0', 'k1', 'k0', 'k1']) cached.candidates(key);
    expect(computed).toEqual(['k0', 'k1']); // each computed once
    const k0 = cached.candidates('k0');
    cached.candidates('k2'); // current {k0, k1} becomes the previous generation; current {k2}
    expect(cached.candidates('k0')).toBe(k0); // found in the previous generation, moved to current
    expect(computed).toEqual(['k0', 'k1', 'k2']);
    cached.candidates('k3'); // current {k2, k0} full → previous; k1 (only in the dropped one) is gone
    cached.candidates('k1');
    expect(computed).toEqual(['k0', 'k1', 'k2', 'k3', 'k1']);
    cached.candidates('k2'); // still in the previous generation
    expect(computed).toEqual(['k0', 'k1', 'k2', 'k3', 'k1']);
  });
});
