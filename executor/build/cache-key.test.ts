import { describe, expect, it } from 'vitest';
import { cacheKeyProblem } from './cache-key.ts';
import { relativePathProblem } from './read-job.ts';

describe('cacheKeyProblem', () => {
  it.each(['', 'a', 'deps-v1', 'A.b_c-9', `a${'x'.repeat(127)}`])('accepts %j', (key) => {
    expect(cacheKeyProblem(key)).toBeUndefined();
  });
  it.each(['..', '.', '.hidden', '-a', 'a/b', 'a\\b', '/abs', 'a b', 'a\0', `a${'x'.repeat(128)}`])(
    'refuses %j',
    (key) => {
      expect(cacheKeyProblem(key)).toMatch(/letter or digit/);
    },
  );
});

describe('relativePathProblem (outputDirectory)', () => {
  it.each(['', '.', './dist', 'build/out'])('accepts %j', (path) => {
    expect(relativePathProblem(path)).toBeUndefined();
  });
  it.each([
    ['/dist', 'relative'],
    ['../x', '..'],
    ['a/../../b', '..'],
    ['a\0', 'NUL'],
  ])('refuses %j', (path, why) => {
    expect(relativePathProblem(path)).toContain(why);
  });
});
