import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time. Both sides are hashed
 * first so the comparison takes the same time whatever the lengths and however long a prefix matches.
 */
export function secretEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

/** Reads `Authorization: Bearer <token>`; returns the token or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * The key a request presents to an Open Runtimes service: the second space-separated word of
 * `Authorization`, whatever the first (the rule of open-runtimes/proxy and open-runtimes/executor
 * alike, so `Bearer <key>`, `bearer <key>` and any other scheme word work); undefined when there is
 * none. Used by the gateway for the proxy key and by the executor for the executor key.
 */
export function authorizationKey(authorization: string | undefined | null): string | undefined {
  if (!authorization) return undefined;
  const first = authorization.indexOf(' ');
  if (first === -1) return undefined;
  const second = authorization.indexOf(' ', first + 1);
  const key = authorization.slice(first + 1, second === -1 ? authorization.length : second);
  return key === '' ? undefined : key;
}
