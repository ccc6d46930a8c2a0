import { describe, expect, it } from 'vitest';
import { bearerChecker } from './auth.ts';

describe('bearerChecker', () => {
  const check = bearerChecker('s3cret');
  it.each([
    ['Bearer s3cret', true],
    ['bearer s3cret', true],
    // open-runtimes/proxy's rule: the second space-separated word, whatever the scheme word.
    ['Bearer s3cret trailing', true],
    ['Token s3cret', true],
    ['Bearer  s3cret', false],
    ['Bearer s3cre', false],
    ['Bearer s3cret!', false],
    ['Bearer', false],
    ['Bearer ', false],
    ['s3cret', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (header, ok) => {
    expect(check(header)).toBe(ok);
  });

  it('compares keys of the same UTF-8 length but other characters, and longer multi-byte keys, correctly', () => {
    // '€a' is 4 bytes: a key whose first 4 bytes are the secret but that goes on must not match.
    const euro = bearerChecker('€a');
    expect(euro('Bearer €a')).toBe(true);
    expect(euro('Bearer €ab')).toBe(false);
    expect(euro('Bearer €b')).toBe(false);
    expect(euro('Bearer abcd')).toBe(false);
    // The scratch buffer holds nothing of one check into the next.
    expect(check('Bearer s3cret')).toBe(true);
    expect(check('Bearer s3creT')).toBe(false);
    expect(check('Bearer s3cret')).toBe(true);
  });

  it('an empty secret matches nothing (fail closed)', () => {
    expect(bearerChecker('')('Bearer ')).toBe(false);
    expect(bearerChecker('')('Bearer x')).toBe(false);
  });
});
