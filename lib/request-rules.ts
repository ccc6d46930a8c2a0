/**
 * Request rules the gateway and the executor must apply identically, or they read different
 * requests (issue 18: `/v1/runtimes/zzz/../hello/…` was checked as `zzz` and run as `hello`).
 * Pure functions; each side turns a problem into its own 400.
 */

/** Runtime ids: 1-64 characters from `[A-Za-z0-9._-]` (the real executor's limit), not `.` or `..`. */
export const RUNTIME_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether `id` is a valid runtime id; `.` and `..` are path dot segments, never ids. */
export function isValidRuntimeId(id: string): boolean {
  return RUNTIME_ID_PATTERN.test(id) && id !== '.' && id !== '..';
}

/** A `.` or `..` segment, also percent-encoded (`%2e`, `.%2E`, …) as the WHATWG URL parser reads it. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Why a request path (without the query) is refused, or undefined: a dot segment, plain or
 * percent-encoded, or a backslash (URL parsers normalise these, so the two sides would disagree).
 * Rejecting is simpler and safer than normalising identically everywhere.
 */
export function pathProblem(path: string): string | undefined {
  if (path.includes('\\')) return 'the path must not contain a backslash';
  if (path.includes('.') || path.includes('%')) {
    for (const segment of path.split('/')) {
      if (DOT_SEGMENT.test(segment))
        return 'the path must not contain "." or ".." segments (also percent-encoded)';
    }
  }
  return undefined;
}

/**
 * Most headers a request may carry. Node keeps a bounded number of headers (`maxHeadersCount`):
 * past it the executor would drop some and read another request than the gateway checked.
 * Open Runtimes requests carry a dozen.
 */
export const MAX_REQUEST_HEADERS = 200;
