import { describe, expect, it } from 'vitest';
import { ENV_MAPPINGS, readEnvOverrides } from './env.ts';

describe('readEnvOverrides: each variable', () => {
  it.each([
    [
      'OPR_PROXY_EXECUTORS',
      'exec1:3000, exec2 ,10.0.0.3:80',
      ['gateway', 'executors'],
      ['exec1:3000', 'exec2', '10.0.0.3:80'],
    ],
    ['OPR_PROXY_SECRET', 'proxy-secret', ['gateway', 'secret'], 'proxy-secret'],
    ['OPR_PROXY_EXECUTOR_SECRET', 'exec-secret', ['gateway', 'executorSecret'], 'exec-secret'],
    ['OPR_PROXY_HEALTHCHECK_INTERVAL', '10000', ['gateway', 'healthCheck', 'interval'], 10_000],
    ['OPR_PROXY_HEALTHCHECK_INTERVAL', '5s', ['gateway', 'healthCheck', 'interval'], 5_000],
    ['OPR_PROXY_MAX_TIMEOUT', '900', ['gateway', 'maxTimeout'], 900_000],
    ['OPR_PROXY_MAX_TIMEOUT', '2m', ['gateway', 'maxTimeout'], 120_000],
    ['OPR_PROXY_CONNECTIONS_STATE', 'redis://redis:6379', ['registry', 'url'], 'redis://redis:6379'],
    ['OPR_PROXY_ALGORITHM', 'round-robin', ['gateway', 'algorithm'], 'round-robin'],
    ['OPR_PROXY_ENV', 'development', ['gateway', 'env'], 'development'],
    ['PORT', '8080', ['gateway', 'port'], 8080],
    ['FLEETGATE_POOL', 'blue', ['pool'], 'blue'],
    ['FLEETGATE_LOG_LEVEL', 'debug', ['log', 'level'], 'debug'],
    ['FLEETGATE_REDIS_URL', 'rediss://r:6380', ['registry', 'url'], 'rediss://r:6380'],
    ['FLEETGATE_MAX_TIMEOUT', '30s', ['gateway', 'maxTimeout'], 30_000],
    ['FLEETGATE_BODY_LIMIT', '1MiB', ['gateway', 'bodyLimit'], 1_048_576],
    ['FLEETGATE_HOST_HEADER', 'false', ['gateway', 'hostHeader'], false],
    ['FLEETGATE_HOST_HEADER', 'yes', ['gateway', 'hostHeader'], true],
    ['FLEETGATE_SCALER_PORT', '9191', ['scaler', 'port'], 9191],
    ['FLEETGATE_EXECUTOR_SECRET', 'x', ['executor', 'secret'], 'x'],
  ])('%s=%j sets %j', (name, text, path, value) => {
    const { overrides, issues } = readEnvOverrides({ [name]: text });
    expect(issues).toEqual([]);
    expect(overrides).toContainEqual({ path, value, env: name });
  });

  it.each(['OPR_PROXY_CONNECTIONS_STATE', 'FLEETGATE_REDIS_URL'])(
    '%s also selects the Redis registry',
    (name) => {
      const { overrides } = readEnvOverrides({ [name]: 'redis://r' });
      expect(overrides).toContainEqual({ path: ['registry', 'type'], value: 'redis', env: name });
    },
  );

  it('treats empty variables as unset', () => {
    expect(readEnvOverrides({ OPR_PROXY_SECRET: '', PORT: '' })).toEqual({ overrides: [], issues: [] });
  });

  it('lets FLEETGATE_* win over OPR_PROXY_* by applying it later', () => {
    const { overrides } = readEnvOverrides({ PORT: '80', FLEETGATE_GATEWAY_PORT: '8080' });
    expect(overrides.filter((o) => o.path.join('.') === 'gateway.port').map((o) => o.value)).toEqual([
      80, 8080,
    ]);
  });

  it('maps every variable to a distinct name', () => {
    expect(new Set(ENV_MAPPINGS.map((m) => m.env)).size).toBe(ENV_MAPPINGS.length);
  });
});

describe('readEnvOverrides: bad values name the variable and the value', () => {
  it.each([
    ['OPR_PROXY_EXECUTORS', 'exec1:3000,http://exec2:3000', '"http://exec2:3000"'],
    ['OPR_PROXY_EXECUTORS', 'exec1:99999', '"exec1:99999"'],
    ['OPR_PROXY_EXECUTORS', 'exec 1', '"exec 1"'],
    ['OPR_PROXY_EXECUTORS', 'exec1/path', '"exec1/path"'],
    ['OPR_PROXY_HEALTHCHECK_INTERVAL', 'often', '"often"'],
    ['OPR_PROXY_HEALTHCHECK_INTERVAL', '-100', 'must not be negative'],
    ['OPR_PROXY_MAX_TIMEOUT', 'ten', '"ten"'],
    ['OPR_PROXY_MAX_TIMEOUT', '-5', 'must not be negative'],
    ['PORT', '80a', 'must be a whole number, got "80a"'],
    ['PORT', '-1', 'must be a whole number, got "-1"'],
    ['FLEETGATE_MAX_TIMEOUT', '30', 'with a unit'],
    ['FLEETGATE_BODY_LIMIT', 'big', '"big"'],
    ['FLEETGATE_HOST_HEADER', 'maybe', 'must be true or false, got "maybe"'],
  ])('%s=%j', (name, text, fragment) => {
    const { overrides, issues } = readEnvOverrides({ [name]: text });
    expect(overrides).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.env).toBe(name);
    expect(issues[0]?.message).toContain(fragment);
  });
});
