/**
 * The environment a scaler hands to the executors it starts: only what a Node process and its
 * logging need, never the scaler's own secrets (gateway secret, Redis password, deploy tokens).
 * The executor secret does not travel here either: it goes over an inherited pipe (process.ts).
 */

/** Variables copied from the scaler's environment when set. */
export const EXECUTOR_ENV_ALLOWED: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'FLEETGATE_LOG_LEVEL',
];

/** The allowed subset of `from`, plus `extra` (given explicitly by the operator or the provider). */
export function executorEnv(from: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of EXECUTOR_ENV_ALLOWED) if (from[name] !== undefined) env[name] = from[name];
  return { ...env, ...extra };
}
