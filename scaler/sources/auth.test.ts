import { describe, expect, it } from 'vitest';
import { authorizationHeader, type SourceAuth, SourceConfigError } from './auth.ts';

describe('authorizationHeader', () => {
  it.each<[string, SourceAuth | undefined, NodeJS.ProcessEnv, string | undefined]>([
    ['no auth', undefined, {}, undefined],
    ['bearer from env', { bearerTokenEnv: 'TOK' }, { TOK: 'abc' }, 'Bearer abc'],
    [
      'basic from env',
      { usernameEnv: 'U', passwordEnv: 'P' },
      { U: 'user', P: 'pa:ss' },
      `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
    ],
  ])('%s', (_name, auth, env, expected) => {
    expect(authorizationHeader(auth, env)).toBe(expected);
  });

  it.each<[string, SourceAuth, NodeJS.ProcessEnv, string]>([
    ['unset bearer variable', { bearerTokenEnv: 'TOK' }, {}, 'auth.bearerTokenEnv: environment variable TOK'],
    ['empty bearer variable', { bearerTokenEnv: 'TOK' }, { TOK: '' }, 'TOK is not set'],
    ['unset password', { usernameEnv: 'U', passwordEnv: 'P' }, { U: 'x' }, 'auth.passwordEnv'],
  ])('rejects %s, naming the variable', (_name, auth, env, message) => {
    expect(() => authorizationHeader(auth, env)).toThrow(SourceConfigError);
    expect(() => authorizationHeader(auth, env)).toThrow(message);
  });
});
