/**
 * Which environment variable names a caller may set for a runtime (`variables` of a create or a
 * cold-starting execution). A runtime's environment is built from nothing: the executor adds
 * `PATH`, `HOME` and the Open Runtimes variables, then the caller's `variables`. Names that change
 * how a program is loaded or linked (or which files it reads before the function runs) would let a
 * caller run code the source does not contain, so they are refused with a 400 naming the variable.
 *
 * Rule: a name is 1-256 characters of `[A-Za-z_][A-Za-z0-9_]*` (POSIX portable names) and is not
 * one of REFUSED_NAMES nor starts with one of REFUSED_PREFIXES (compared upper-cased).
 */

/** Names refused exactly (upper case). */
export const REFUSED_NAMES: readonly string[] = [
  // Set by the executor: program lookup and the user's configuration files.
  'PATH',
  'HOME',
  'PORT',
  // Shells read these before running anything (bash(1) INVOCATION, sh(1p)).
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'IFS',
  'PS4',
  'PROMPT_COMMAND',
  // glibc: tunables and iconv modules are loaded from these (CVE-2023-4911, GCONV_PATH).
  'GLIBC_TUNABLES',
  'GCONV_PATH',
  'LOCPATH',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  // JVM agents and class paths.
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  // Perl, Ruby, Python, PHP startup code and module paths.
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'PHPRC',
  'PHP_INI_SCAN_DIR',
];

/**
 * Prefixes refused (upper case): the dynamic linkers (`LD_PRELOAD`, `LD_LIBRARY_PATH`, macOS
 * `DYLD_INSERT_LIBRARIES`), Node's loader options (`NODE_OPTIONS`, `NODE_PATH`, …; `NODE_ENV` is
 * allowed), Python's (`PYTHONPATH`, `PYTHONSTARTUP`, …), exported bash functions, and the Open
 * Runtimes variables the executor sets itself (`OPEN_RUNTIMES_SECRET`, …).
 */
export const REFUSED_PREFIXES: readonly string[] = [
  'LD_',
  'DYLD_',
  'NODE_',
  'PYTHON',
  'BASH_FUNC_',
  'OPEN_RUNTIMES_',
];

/** Names allowed although a refused prefix matches them. */
const ALLOWED_NAMES = new Set(['NODE_ENV']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

/**
 * Why a caller may not set `name` (a short reason for the 400), or undefined when it may.
 * Pure: the one rule for every route that takes `variables`.
 */
export function refusedVariable(name: string, value: string): string | undefined {
  if (!NAME.test(name)) {
    return 'is not a valid name (1-256 characters of A-Z a-z 0-9 _, not starting with a digit)';
  }
  const upper = name.toUpperCase();
  if (!ALLOWED_NAMES.has(upper)) {
    if (REFUSED_NAMES.includes(upper))
      return 'may not be set: the executor sets it or it changes how programs start';
    const prefix = REFUSED_PREFIXES.find((p) => upper.startsWith(p));
    if (prefix !== undefined)
      return `may not be set: ${prefix}* variables change how the runtime is loaded or linked`;
  }
  if (value.includes('\0')) return 'has a NUL character in its value';
  return undefined;
}
