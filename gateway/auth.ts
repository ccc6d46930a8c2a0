import { timingSafeEqual } from 'node:crypto';
import { authorizationKey } from '../lib/secrets.ts';

/**
 * A constant-time check of a request's `Authorization` header against a fixed secret. The key is
 * read as open-runtimes/proxy reads it: the second space-separated word, whatever the scheme word
 * (`authorizationKey`). The presented key is compared with `timingSafeEqual`; a key of another
 * length is answered after the same comparison (of the secret with itself), so the time depends on
 * neither the length nor on how long a prefix matches. An empty secret matches nothing (fail
 * closed, like open-runtimes/proxy).
 */
export function bearerChecker(secret: string): (authorization: string | undefined) => boolean {
  if (secret === '') return () => false;
  const expected = Buffer.from(secret, 'utf8');
  return (authorization) => {
    const key = authorizationKey(authorization);
    if (key === undefined) return false;
    const presented = Buffer.from(key, 'utf8');
    if (presented.length !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(presented, expected);
  };
}

/**
 * The request's one Authorization header from Node's raw header list; undefined when absent or
 * repeated. Node keeps the first of repeated Authorization headers in `req.headers` while other
 * readers take the last: a repeated header is refused everywhere alike (issue 18).
 */
export function soleAuthorization(raw: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 13 || raw[i]!.toLowerCase() !== 'authorization') continue;
    if (found !== undefined) return undefined;
    found = raw[i + 1]!;
  }
  return found;
}
