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

  it('an empty secret matches nothing (fail closed)', () => {
    expect(bearerChecker('')('Bearer ')).toBe(false);
    expect(bearerChecker('')('Bearer x')).toBe(false);
  });
});
