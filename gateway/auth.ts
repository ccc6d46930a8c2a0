import { timingSafeEqual } from 'node:crypto';

/**
 * A constant-time check of `Authorization: Bearer <secret>` headers against a fixed secret. The
 * presented token is compared with `timingSafeEqual`; a token of another length is answered after
 * the same comparison (of the secret with itself), so the time depends on neither the length nor
 * on how long a prefix matches. An empty secret matches nothing (fail closed, like
 * open-runtimes/proxy).
 */
export function bearerChecker(secret: string): (authorization: string | undefined) => boolean {
  if (secret === '') return () => false;
  const expected = Buffer.from(secret, 'utf8');
  return (authorization) => {
    if (authorization === undefined || authorization.length < 8) return false;
    // "Bearer <token>", scheme case-insensitive (RFC 9110 §11.1).
    if (!isBearer(authorization)) return false;
    let start = 7;
    while (authorization.charCodeAt(start) === 32) start++;
    let end = authorization.length;
    while (end > start && authorization.charCodeAt(end - 1) === 32) end--;
    const presented = Buffer.from(authorization.slice(start, end), 'utf8');
    if (presented.length !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(presented, expected);
  };
}

function isBearer(header: string): boolean {
  // 'bearer ' compared case-insensitively without allocating.
  const word = 'bearer';
  for (let i = 0; i < 6; i++) if ((header.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false;
  return header.charCodeAt(6) === 32;
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
