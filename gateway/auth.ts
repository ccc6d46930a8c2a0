import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A constant-time check of `Authorization: Bearer <secret>` headers against a fixed secret. The
 * expected digest is computed once; each check hashes the presented token and compares digests, so
 * the time does not depend on the length or on how long a prefix matches. An empty secret matches
 * nothing (fail closed, like open-runtimes/proxy).
 */
export function bearerChecker(secret: string): (authorization: string | undefined) => boolean {
  if (secret === '') return () => false;
  const expected = createHash('sha256').update(secret).digest();
  return (authorization) => {
    if (authorization === undefined || authorization.length < 8) return false;
    // "Bearer <token>", scheme case-insensitive (RFC 9110 §11.1).
    if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return false;
    const token = authorization.slice(7).trim();
    return timingSafeEqual(createHash('sha256').update(token).digest(), expected);
  };
}
