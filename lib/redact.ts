/**
 * The one redactor: every place that shows a URL, a configuration value or a command's output
 * (logs, error messages, `fleetgate config check`, the scaler's /explain) masks credentials here.
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
/** `password=…`, `token: …`, `API_KEY=…`, `--secret …` and the like. */
const KEY_VALUE =
  /\b([A-Za-z0-9_-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?)(["']?\s*[=:]\s*["']?|\s+)([^\s"'&,;]+)/gi;

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
