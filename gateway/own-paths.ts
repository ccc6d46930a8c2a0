import { getPath } from 'hono/utils/url';

/** The paths the gateway answers itself, on GET (and HEAD); every other request is forwarded. */
export const OWN_PATHS = {
  proxyHealth: '/v1/proxy/health',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  fleet: '/v1/fleet',
  lifetime: '/v1/fleet/lifetime',
} as const;
const OWN_PATH_SET: ReadonlySet<string> = new Set(Object.values(OWN_PATHS));

/**
 * Whether the gateway answers this request itself (its Hono app) rather than forwarding it: GET or
 * HEAD on one of its own paths, as Hono matches them (percent-decoded, without the query;
 * absolute-form targets by their path). Forwarded requests never enter Hono: its HEAD handling runs
 * the GET route and rebuilds the Response without a body, which would lose a forwarded answer that
 * was already written to the socket (the headers written twice, bug B5 of the reliability tests).
 */
export function answersItself(method: string | undefined, url: string | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const target = url ?? '/';
  // The cheap refusal first: a forwarded GET (runtime reads, log streams) never starts like these.
  if (target.startsWith('/v1/runtimes')) return false;
  const path = getPath({ url: target.startsWith('/') ? `http://gateway${target}` : target } as Request);
  return OWN_PATH_SET.has(path);
}
