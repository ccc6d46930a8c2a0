import { describe, expect, it } from 'vitest';
import { createRing } from './ring.ts';
import { cachedRing } from './ring-cache.ts';

describe('cachedRing', () => {
  const ring = createRing(['a', 'b', 'c', 'd'].map((id) => ({ id, weight: 1 })));

  it('gives the same orders as the ring it wraps, cached or not, evicting past its bound', () => {
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
});
