import { FleetgateError } from '../../lib/errors.ts';

/**
 * Credentials named by environment variable, never written in a policy file:
 * `{ bearerTokenEnv: 'PROM_TOKEN' }` or `{ usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASSWORD' }`.
 */
export type SourceAuth = { bearerTokenEnv: string } | { usernameEnv: string; passwordEnv: string };

/** A metric source's configuration is unusable (missing credential variable, bad URL, …). */
export class SourceConfigError extends FleetgateError {
  constructor(message: string) {
    super('SOURCE_CONFIG', message);
  }
}

/**
 * Resolves an auth reference against the environment into an `Authorization` header value.
 * Throws a SourceConfigError naming the variable (never its value) when it is unset or empty.
 */
export function authorizationHeader(
  auth: SourceAuth | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (!auth) return undefined;
  if ('bearerTokenEnv' in auth) {
    return `Bearer ${required(env, auth.bearerTokenEnv, 'auth.bearerTokenEnv')}`;
  }
  const user = required(env, auth.usernameEnv, 'auth.usernameEnv');
  const password = required(env, auth.passwordEnv, 'auth.passwordEnv');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function required(env: NodeJS.ProcessEnv, name: string, field: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new SourceConfigError(`${field}: environment variable ${name} is not set`);
  }
  return value;
}
