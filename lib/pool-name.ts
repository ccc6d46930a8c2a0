/**
 * The one rule for a pool name, used by the config (`pool`), the scaling policy (`pool`) and the
 * registry (every call that names a pool), so a name one of them accepts is never refused by another.
 * A pool name goes inside a Redis Cluster hash tag (`{pool}`), so no braces; it starts host ids the
 * providers build (`<pool>-p<port>`, `<pool>-<hex>`) and is a metric label: short and printable.
 */
export const POOL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** What `POOL_NAME_PATTERN` means, completing "pool: …". */
export const POOL_NAME_RULE =
  'must be 1-64 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit (it goes into Redis keys)';

/** Whether `name` is a usable pool name. */
export function isPoolName(name: unknown): name is string {
  return typeof name === 'string' && POOL_NAME_PATTERN.test(name);
}
