import { describe, expect, it } from 'vitest';
import { isBroadcastSuccess } from './broadcast.ts';

describe('isBroadcastSuccess', () => {
  it.each([
    ['DELETE', 200, true],
    ['DELETE', 404, true],
    ['POST', 404, false],
    ['POST', 201, true],
    ['DELETE', 500, false],
    ['DELETE', 401, false],
  ])('%s %i → %s', (method, status, ok) => {
    expect(isBroadcastSuccess(method, status)).toBe(ok);
  });
});
