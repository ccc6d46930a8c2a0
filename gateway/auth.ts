import { timingSafeEqual } from 'node:crypto';
import { authorizationKey } from '../lib/secrets.ts';

/**
 * A constant-time check of a request's `Authorization` header against a fixed secret. The key is
 * read as open-runtimes/proxy reads it: the second space-separated word, whatever the scheme word
 * (`authorizationKey`). The presented key is compared with `timingSafeEqual`; a key of another
 * length is answered after the same comparison (of the secret with itself), so the time depends on
 * neither the length nor on how long a prefix matches. An empty secret matches nothing (fail
 * closed, like open-runtimes/proxy).
 *
 * Allocation-free on the hot path: a key of the secret's UTF-8 length is encoded into one scratch
 * buffer of exactly that size (no Buffer per request), compared, and the scratch is zeroed again.
 */
export function bearerChecker(secret: string): (authorization: string | undefined) => boolean {
  if (secret === '') return () => false;
  const expected = Buffer.from(secret, 'utf8');
  const scratch = Buffer.alloc(expected.length);
  return (authorization) => {
    const key = authorizationKey(authorization);
    if (key === undefined) return false;
    // byteLength first: `write` stops at the buffer's end, so a longer key must never reach it.
    if (Buffer.byteLength(key, 'utf8') !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    scratch.write(key, 0, 'utf8');
    const ok = timingSafeEqual(scratch, expected);
    scratch.fill(0);
    return ok;
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
