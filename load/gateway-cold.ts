import { request } from 'undici';
import { parseExposition } from '../scaler/sources/exposition.ts';
import type { LoadSummary } from './report.ts';

/** The gateway counter of routes to a host where the runtime was not known warm, by host. */
export const COLD_ROUTES_METRIC = 'fleetgate_gateway_cold_routes_total';

/**
 * Reads the gateway's cold-route counters from its `/metrics`. Undefined when the endpoint cannot be
 * read or is not a Fleetgate gateway (a peer proxy, a plain executor): the caller then infers.
 */
export async function readColdRoutes(
  gateway: string,
  token?: string,
  timeoutMs = 3000,
): Promise<Map<string, number> | undefined> {
  try {
    const res = await request(new URL('/metrics', gateway), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes(`# TYPE ${COLD_ROUTES_METRIC} counter`)) return undefined;
    const out = new Map<string, number>();
    for (const s of parseExposition(text)) {
      if (s.name === COLD_ROUTES_METRIC && s.labels.host !== undefined) {
        out.set(s.labels.host, (out.get(s.labels.host) ?? 0) + s.value);
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the inferred cold routes of a summary with the gateway's own count over the run (the
 * counter's increase per host). Other traffic through the same gateway during the run is counted too.
 */
export function withGatewayColdRoutes(
  summary: LoadSummary,
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): LoadSummary {
  const delta = (host: string) => Math.max(0, (after.get(host) ?? 0) - (before.get(host) ?? 0));
  let total = 0;
  for (const host of after.keys()) total += delta(host);
  return {
    ...summary,
    coldRoutes: total,
    coldSource: 'gateway',
    hosts: summary.hosts.map((h) => ({ ...h, coldRoutes: after.has(h.host) ? delta(h.host) : 0 })),
  };
}
