import { mask, redactUrl } from '../lib/redact.ts';

/** Field names that hold a secret wherever they appear (`gateway.secret`, `registry.password`, …). */
const SECRET_KEY = /(secret|password|token)$/i;
/** Fields that are URLs which may carry a password. */
const URL_KEY = /^url$/i;

/** True when the field at `path` holds a secret that must never be printed or logged. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

/**
 * Shows a value from `path` for a message: secrets masked, passwords in URLs masked, and lists or
 * mappings named by their kind only (they may hold a secret further down).
 */
export function displayValue(path: readonly PropertyKey[], value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (isSecretPath(path)) return typeof value === 'string' ? (mask(value) ?? '') : '(hidden)';
  const last = path[path.length - 1];
  if (typeof value === 'string' && typeof last === 'string' && URL_KEY.test(last)) {
    return JSON.stringify(redactUrl(value));
  }
  const text = JSON.stringify(value) ?? String(value);
  // Keep messages one readable line even when someone put a whole mapping in the wrong place.
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A copy of a configuration object with every secret masked, for printing. */
export function redactConfig<T>(value: T, path: readonly PropertyKey[] = []): T {
  if (Array.isArray(value)) return value.map((v, i) => redactConfig(v, [...path, i])) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = redactConfig(v, [...path, key]);
    return out as T;
  }
  if (typeof value === 'string') {
    if (isSecretPath(path)) return mask(value) as T;
    const last = path[path.length - 1];
    if (typeof last === 'string' && URL_KEY.test(last)) return redactUrl(value) as T;
  }
  return value;
}
