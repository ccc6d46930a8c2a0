import type { Host } from '../../registry/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricSource } from '../sources/types.ts';
import type { MetricReading, ObservedHost } from '../types.ts';

/** Reads every policy metric from the source, in parallel; a source that throws gives no data. */
export async function readPolicyMetrics(
  policy: Policy,
  source: MetricSource,
): Promise<Record<string, MetricReading>> {
  const entries = await Promise.all(
    policy.metrics.map(async (m): Promise<[string, MetricReading]> => {
      try {
        return [m.name, await source.read(m.query)];
      } catch (error) {
        return [m.name, { ok: false, reason: 'badResponse', detail: String(error) }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * A per-host value from a `… by (host)` query; hosts without a series read 0 (no gateway has
 * anything in flight to them). Undefined when the query gave no data: the caller must not read
 * that as zero.
 */
export async function readByHost(
  source: MetricSource,
  query: string | null,
): Promise<Map<string, number> | undefined> {
  if (!query) return undefined;
  try {
    const reading = await source.readVector(query);
    if (!reading.ok) return undefined;
    const out = new Map<string, number>();
    for (const s of reading.series) {
      const host = s.labels.host;
      if (host !== undefined) out.set(host, (out.get(host) ?? 0) + s.value);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** The hosts as the pure core sees them (pure). Unknown per-host figures count as 0. */
export function observeHosts(
  hosts: readonly Host[],
  inflight: Map<string, number> | undefined,
  warm: Map<string, number> | undefined,
): ObservedHost[] {
  return hosts.map((h) => ({
    id: h.id,
    state: h.state,
    registeredAt: h.registeredAt,
    bootStartedAt: h.registeredAt,
    warmRuntimes: warm?.get(h.id) ?? 0,
    inflight: inflight?.get(h.id) ?? 0,
  }));
}
