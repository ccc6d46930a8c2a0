/**
 * The one redactor: every place that shows a URL, a configuration value, a log field or a
 * command's output (logs, error messages, `fleetgate config check`, the scaler's /explain) masks
 * credentials here, by one rule of what a secret's name is.
 * Pure string work, no I/O.
 */

/** What a masked credential is shown as. */
export const MASK = '********';
/** What a URL that cannot be read safely (it may hold a credential we cannot locate) is shown as. */
export const HIDDEN_URL = '(URL hidden: it may hold a credential)';

/** `scheme://authority path ?query #fragment`, authority up to the first / ? or #. */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;

/** Masks a secret for display: keeps nothing of it. */
export function mask(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? value : MASK;
}

/**
 * A URL with every credential form masked: `user:pass@` (the user kept), a lone `pass@` (Redis
 * reads `redis://PASSWORD@host` as a password, so the whole user part is masked), every query
 * value (`?password=…`, `?token=…`) and the fragment. Text that is not a URL but holds `@` or a
 * query is hidden entirely; other text comes back unchanged.
 */
export function redactUrl(text: string): string {
  const parts = URL_PARTS.exec(text);
  if (!parts) return /[@?#]/.test(text) ? HIDDEN_URL : text;
  const [, scheme = '', authority = '', path = '', query, fragment] = parts;
  let host = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const shown = colon < 0 ? (userinfo === '' ? '' : MASK) : `${userinfo.slice(0, colon)}:${MASK}`;
    host = `${shown}@${authority.slice(at + 1)}`;
  }
  const q =
    query === undefined
      ? ''
      : `?${query
          .slice(1)
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            return eq < 0 ? pair : `${pair.slice(0, eq)}=${MASK}`;
          })
          .join('&')}`;
  return `${scheme}${host}${path}${q}${fragment === undefined ? '' : `#${MASK}`}`;
}

/** URLs inside free text. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
/** `Bearer <token>` / `Basic <credentials>`. */
const AUTH_SCHEME = /\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi;
/**
 * The words that make a name a secret's: a configuration field (`gateway.secret`, `adminToken`,
 * `registry.password`), a log field, or a `password=…` in free text. The one list.
 */
const SECRET_WORDS = 'password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential';
/** A name ending in a secret word (`executorSecret`, `metricsToken`, `apiKeys`). */
const SECRET_NAME = new RegExp(`(?:${SECRET_WORDS})s?$`, 'i');
/** `password=…`, `token: …`, `API_KEY=…`, `--secret …` and the like. */
const KEY_VALUE = new RegExp(
  `\\b([A-Za-z0-9_-]*(?:${SECRET_WORDS})s?)(["']?\\s*[=:]\\s*["']?|\\s+)([^\\s"'&,;]+)`,
  'gi',
);

/** Secret fields by name, as the logger must censor them wherever they sit (see lib/logger.ts). */
export const LOGGED_SECRET_FIELDS = [
  'secret',
  'password',
  'token',
  'executorSecret',
  'adminToken',
  'metricsToken',
] as const;

/** True when a field called `name` holds a secret that must never be printed or logged. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Free text (a command's stdout/stderr, an upstream error) with credentials masked: URLs as in
 * `redactUrl`, `Bearer …` tokens, and `password=…` / `token: …` / `--secret …` values.
 */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${MASK}`);
}

/**
 * Free text cut to at most `maxChars` (the tail kept: it explains a failure) and then redacted.
 */
export function redactTail(text: string, maxChars: number): string {
  const cut = text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  return redactText(cut);
}

/** True when the field at `path` (or a field it sits in) holds a secret. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && isSecretName(segment));
}

/** True when the field at `path` is a URL, which may carry a password (`registry.url`). */
function isUrlPath(path: readonly PropertyKey[]): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && /^url$/i.test(last);
}

/**
 * Shows a value from `path` for a message: secrets masked, credentials in URLs masked, and lists
 * or mappings named by their kind only (they may hold a secret further down).
 */
export function displayValue(path: readonly PropertyKey[], value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (isSecretPath(path)) return typeof value === 'string' ? (mask(value) ?? '') : '(hidden)';
  if (typeof value === 'string' && isUrlPath(path)) return JSON.stringify(redactUrl(value));
  const text = JSON.stringify(value) ?? String(value);
  // Keep messages one readable line even when someone put a whole mapping in the wrong place.
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A copy of a configuration object with every secret and URL credential masked, for printing. */
export function redactConfig<T>(value: T, path: readonly PropertyKey[] = []): T {
  if (Array.isArray(value)) return value.map((v, i) => redactConfig(v, [...path, i])) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = redactConfig(v, [...path, key]);
    return out as T;
  }
  if (typeof value === 'string') {
    if (isSecretPath(path)) return mask(value) as T;
    if (isUrlPath(path)) return redactUrl(value) as T;
  }
  return value;
}
