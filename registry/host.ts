import { parseExecutorUrl } from '../lib/executor-url.ts';
import { isPoolName, POOL_NAME_RULE } from '../lib/pool-name.ts';
import { redactUrl } from '../lib/redact.ts';
import { RegistryError } from './errors.ts';
import type { Host, HostInput, HostState } from './types.ts';

/** Every state a host can be in, in lifecycle order. */
export const HOST_STATES: readonly HostState[] = ['booting', 'active', 'draining'];

/** State of a newly registered host when the caller gives none: registering a host means it serves. */
export const DEFAULT_STATE: HostState = 'active';
export const DEFAULT_WEIGHT = 1;
export const DEFAULT_PROVIDER = 'manual';

/** Host ids are hash fields and log labels: printable, no spaces, bounded. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

function invalid(message: string): RegistryError {
  return new RegistryError('REGISTRY_INVALID_HOST', message);
}

/** Throws REGISTRY_INVALID_HOST unless `pool` is a usable pool name. */
export function validatePool(pool: unknown): string {
  if (!isPoolName(pool)) throw invalid(`pool: ${POOL_NAME_RULE}, got ${JSON.stringify(pool)}`);
  return pool;
}

/** Throws REGISTRY_INVALID_HOST unless `id` is a usable host id. */
export function validateId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw invalid(
      `host.id: must be 1-128 characters of letters, digits or ".", "_", ":", "@", "/", "-", got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

/** Throws REGISTRY_INVALID_HOST unless `state` is one of `HOST_STATES`. */
export function validateState(state: unknown): HostState {
  if (!HOST_STATES.includes(state as HostState)) {
    throw invalid(`host.state: must be one of ${HOST_STATES.join(', ')}, got ${JSON.stringify(state)}`);
  }
  return state as HostState;
}

/** Checks a caller's input field by field; the message names the field and the bad value. */
export function validateHostInput(input: unknown): HostInput {
  if (typeof input !== 'object' || input === null)
    throw invalid(`host: must be an object, got ${String(input)}`);
  const h = input as Record<string, unknown>;
  const out: HostInput = { id: validateId(h.id), url: validateUrl(h.url) };
  if (h.state !== undefined) out.state = validateState(h.state);
  if (h.weight !== undefined) {
    if (typeof h.weight !== 'number' || !Number.isFinite(h.weight) || h.weight <= 0) {
      throw invalid(`host.weight: must be a finite number > 0, got ${JSON.stringify(h.weight)}`);
    }
    out.weight = h.weight;
  }
  if (h.labels !== undefined) {
    if (typeof h.labels !== 'object' || h.labels === null || Array.isArray(h.labels)) {
      throw invalid(`host.labels: must be an object of strings, got ${JSON.stringify(h.labels)}`);
    }
    for (const [key, value] of Object.entries(h.labels)) {
      if (typeof value !== 'string') {
        throw invalid(`host.labels.${key}: must be a string, got ${JSON.stringify(value)}`);
      }
    }
    out.labels = { ...(h.labels as Record<string, string>) };
  }
  if (h.provider !== undefined) {
    if (typeof h.provider !== 'string' || h.provider === '') {
      throw invalid(`host.provider: must be a non-empty string, got ${JSON.stringify(h.provider)}`);
    }
    out.provider = h.provider;
  }
  return out;
}

function validateUrl(url: unknown): string {
  const result =
    typeof url === 'string'
      ? parseExecutorUrl(url, { bare: false })
      : { ok: false as const, reason: 'must be a string' };
  if (!result.ok) throw invalid(`host.url: ${result.reason}, got ${JSON.stringify(redactUrl(String(url)))}`);
  return url as string;
}

/**
 * The host after registering `input` over `existing` (pure). Omitted optional fields keep the stored
 * value, or take the defaults for a new host. `changed` is false when nothing but the clock would move,
 * so a repeated register writes nothing and bumps no version.
 */
export function mergeHost(
  existing: Host | undefined,
  input: HostInput,
  now: number,
): { host: Host; changed: boolean } {
  if (!existing) {
    return {
      changed: true,
      host: {
        id: input.id,
        url: input.url,
        state: input.state ?? DEFAULT_STATE,
        weight: input.weight ?? DEFAULT_WEIGHT,
        labels: { ...(input.labels ?? {}) },
        provider: input.provider ?? DEFAULT_PROVIDER,
        registeredAt: now,
        updatedAt: now,
      },
    };
  }
  const next: Host = {
    ...existing,
    url: input.url,
    state: input.state ?? existing.state,
    weight: input.weight ?? existing.weight,
    labels: input.labels ? { ...input.labels } : { ...existing.labels },
    provider: input.provider ?? existing.provider,
  };
  if (sameContent(existing, next)) return { host: existing, changed: false };
  return { host: { ...next, updatedAt: now }, changed: true };
}

/** The host with a new state (pure); unchanged when it already has it. */
export function withState(existing: Host, state: HostState, now: number): { host: Host; changed: boolean } {
  if (existing.state === state) return { host: existing, changed: false };
  return { host: { ...existing, state, updatedAt: now }, changed: true };
}

/** Whether two hosts differ in anything but their timestamps. */
export function sameContent(a: Host, b: Host): boolean {
  return (
    a.id === b.id &&
    a.url === b.url &&
    a.state === b.state &&
    a.weight === b.weight &&
    a.provider === b.provider &&
    sameLabels(a.labels, b.labels)
  );
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => b[k] === a[k]);
}

/** Serialises a host with a fixed key order, so equal hosts give equal strings. */
export function encodeHost(host: Host): string {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(host.labels).sort()) labels[key] = host.labels[key] as string;
  return JSON.stringify({
    id: host.id,
    url: host.url,
    state: host.state,
    weight: host.weight,
    labels,
    provider: host.provider,
    registeredAt: host.registeredAt,
    updatedAt: host.updatedAt,
  });
}

/** Parses a stored host; undefined when the stored value is not a valid host (written by something else). */
export function decodeHost(raw: string): Host | undefined {
  try {
    const value = JSON.parse(raw) as Host;
    validateHostInput(value);
    if (!HOST_STATES.includes(value.state)) return undefined;
    if (typeof value.weight !== 'number' || typeof value.provider !== 'string') return undefined;
    if (typeof value.registeredAt !== 'number' || typeof value.updatedAt !== 'number') return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** Copies a host so callers cannot change what a registry holds. */
export function copyHost(host: Host): Host {
  return { ...host, labels: { ...host.labels } };
}

/** Orders hosts by id, so every reader sees the same list. */
export function byId(a: Host, b: Host): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
