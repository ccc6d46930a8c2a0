import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerChecker } from '../../gateway/auth.ts';
import { secretEquals } from '../../lib/secrets.ts';

// Spy on the real functions: each check must make exactly one timingSafeEqual comparison of two
// buffers whose length does not depend on the presented token (digests, or the secret's own length
// with a same-length dummy comparison), whatever the length and however much of a prefix matches.
// This checks the structure that makes the time independent of the input, so it cannot flake.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual), createHash: vi.fn(actual.createHash) };
});

const SECRET = 'Zq8r6Yb3-secret-of-32-characters!';
const PRESENTED = [
  ['empty', ''],
  ['one character', 'Z'],
  ['a wrong first character', `x${SECRET.slice(1)}`],
  ['all but the last character', `${SECRET.slice(0, -1)}x`],
  ['a prefix', SECRET.slice(0, 10)],
  ['the secret plus more', `${SECRET}${'y'.repeat(1000)}`],
  ['the secret', SECRET],
] as const;

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
  vi.mocked(crypto.createHash).mockClear();
});

describe('secret comparison: one constant-time comparison of input-independent size', () => {
  it.each(PRESENTED)('lib/secrets secretEquals with %s', (_name, presented) => {
    const result = secretEquals(presented, SECRET);
    expect(result).toBe(presented === SECRET);
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(1);
    const [a, b] = calls[0] as [Buffer, Buffer];
    // Both sides hashed: two SHA-256 digests, 32 bytes whatever was presented.
    expect([a.length, b.length]).toEqual([32, 32]);
    expect(vi.mocked(crypto.createHash).mock.calls.map((c) => c[0])).toEqual(['sha256', 'sha256']);
  });

  it('gateway bearerChecker: same comparison shape for every presented token', () => {
    const check = bearerChecker(SECRET);
    const shapes = new Set<string>();
    for (const [name, presented] of PRESENTED) {
      vi.mocked(crypto.timingSafeEqual).mockClear();
      expect(check(`Bearer ${presented}`), name).toBe(presented === SECRET);
      const calls = vi.mocked(crypto.timingSafeEqual).mock.calls as Array<[Buffer, Buffer]>;
      // An empty token is refused before any comparison (the header alone says it is wrong).
      if (presented === '') {
        expect(calls, name).toHaveLength(0);
        continue;
      }
      expect(calls, name).toHaveLength(1);
      const [a, b] = calls[0]!;
      expect(a.length, name).toBe(b.length);
      shapes.add(String(a.length));
    }
    expect([...shapes]).toHaveLength(1);
  });

  it('an empty configured secret matches nothing', () => {
    expect(secretEquals('', '')).toBe(false);
    expect(bearerChecker('')('Bearer ')).toBe(false);
  });
});
