/** Builders for the evaluate unit tests (not shipped code: imported by *.test.ts only). */
import { type Policy, type PolicyInput, policySchema } from '../policy/schema.ts';
import type { MetricReading, Observation, ObservedHost } from '../types.ts';

type Patch = { [K in keyof PolicyInput]?: PolicyInput[K] };

/** A policy with one averagePerHost metric `inflight` (target 8) and the given fields replaced. */
export function policyOf(patch: Patch = {}): Policy {
  return policySchema.parse({
    metrics: [{ name: 'inflight', query: 'sum(x)', target: { type: 'averagePerHost', value: 8 } }],
    ...patch,
  });
}

/** `n` active hosts h1..hn registered at t = 0 with no work, or built from a template. */
export function hostsOf(n: number, template: Partial<ObservedHost> = {}, prefix = 'h'): ObservedHost[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i + 1}`,
    state: 'active',
    registeredAt: 0,
    warmRuntimes: 0,
    inflight: 0,
    ...template,
  }));
}

/** An observation of `hosts` with `inflight` read as `reading` (a number is a valid reading). */
export function obsOf(
  hosts: ObservedHost[] | number,
  reading: number | MetricReading,
  startedAt = -3_600_000,
): Observation {
  return {
    hosts: typeof hosts === 'number' ? hostsOf(hosts) : hosts,
    metrics: { inflight: typeof reading === 'number' ? { ok: true, value: reading } : reading },
    startedAt,
  };
}
