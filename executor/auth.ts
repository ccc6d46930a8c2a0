/**
 * The executor key a request presents: the second space-separated word of `Authorization`,
 * whatever the first (the real executor's rule, so `Bearer`, `bearer` and any other scheme word
 * work); undefined when there is none.
 */
export function executorKey(authorization: string | undefined | null): string | undefined {
  const key = (authorization ?? '').split(' ')[1];
  return key === undefined || key === '' ? undefined : key;
}
