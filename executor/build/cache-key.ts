/** The real executor's rule for `cacheKey`: a letter or digit, then up to 127 of `[A-Za-z0-9._-]`. */
const CACHE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Why `key` cannot name a build cache, or undefined when it can (the empty key: no cache). Pure;
 * the rule keeps a key a single folder name, never `..`, a path or a hidden name.
 */
export function cacheKeyProblem(key: string): string | undefined {
  if (key === '') return undefined;
  if (!CACHE_KEY.test(key))
    return 'must start with a letter or digit and hold at most 128 letters, digits, dots, underscores and hyphens';
  return undefined;
}
