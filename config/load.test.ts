import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { loadConfig, parseConfig } from './load.ts';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    return configError.issues.map((i) => `${i.path}: ${i.message} (${i.source})`);
  }
  throw new Error('expected a ConfigError');
}

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('parseConfig: defaults', () => {
  it('gives the documented defaults with no file and no environment', () => {
    const config = parseConfig({});
    expect(config.pool).toBe('default');
    expect(config.registry).toEqual({ type: 'memory', keyPrefix: 'fleetgate', reloadInterval: 30_000 });
    expect(config.gateway).toMatchObject({
      host: '0.0.0.0',
      port: 80,
      executors: [],
      healthCheck: {
        interval: 10_000,
        timeout: 2_000,
        ejectAfter: 3,
        probeBackoff: { min: 1_000, max: 30_000 },
      },
      maxTimeout: 900_000,
      bodyLimit: 22 * 1024 * 1024,
      loadFactor: 1.25,
      boundedLoads: true,
      warmPreference: true,
      retries: 2,
      hostHeader: true,
      env: 'production',
      placement: { maxEntries: 100_000, resyncInterval: 30_000 },
      broadcastTimeout: 10_000,
      headersTimeout: 10_000,
      shutdownTimeout: 30_000,
      registryGrace: 60_000,
    });
    expect(config.gateway.algorithm).toBeUndefined();
    // Issue 18 finding 6: the scaler's HTTP port listened on every interface by default.
    expect(config.scaler).toEqual({
      host: '127.0.0.1',
      port: 9091,
      leaseTtl: 15_000,
      shutdownTimeout: 10_000,
    });
    expect(config.executor).toMatchObject({ port: 9900, mode: 'process' });
  });

  it('treats an empty file as all defaults', () => {
    expect(parseConfig({ text: '', fileName: 'empty.yaml' }).pool).toBe('default');
    expect(parseConfig({ text: '# only a comment\n', fileName: 'c.yaml' }).gateway.port).toBe(80);
  });

  it('treats an empty value (`key:` or `~`) as the default', () => {
    const config = parseConfig({ text: 'gateway:\nscaler:\n  port: ~\n  host:\nlog: null\n' });
    expect(config.gateway.port).toBe(80);
    expect(config.scaler).toMatchObject({ port: 9091, host: '127.0.0.1' });
    expect(config.log.level).toBe('info');
  });

  it('returns a deep-frozen object', () => {
    const config = parseConfig({ text: 'gateway:\n  executors: [a:1]\n' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.gateway.healthCheck.probeBackoff)).toBe(true);
    expect(Object.isFrozen(config.gateway.executors)).toBe(true);
    expect(() => {
      (config.gateway as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('parseConfig: file values and environment overrides', () => {
  it('reads durations, sizes and executor addresses from YAML', () => {
    const config = parseConfig({
      text: [
        'gateway:',
        '  maxTimeout: 1m',
        '  bodyLimit: 512KiB',
        '  executors: [exec1, "exec2:3000", "https://exec3.example.com/"]',
        '  healthCheck: { interval: 1.5s, timeout: 250 }',
      ].join('\n'),
    });
    expect(config.gateway.maxTimeout).toBe(60_000);
    expect(config.gateway.bodyLimit).toBe(524_288);
    expect(config.gateway.executors).toEqual([
      'http://exec1',
      'http://exec2:3000',
      'https://exec3.example.com',
    ]);
    expect(config.gateway.healthCheck.interval).toBe(1_500);
    expect(config.gateway.healthCheck.timeout).toBe(250);
  });

  it('applies the open-runtimes/proxy variables over the file', () => {
    const config = parseConfig({
      text: 'gateway:\n  port: 8080\n  secret: from-file\n',
      env: {
        OPR_PROXY_EXECUTORS: 'exec1:80,exec2',
        OPR_PROXY_SECRET: 'from-env',
        OPR_PROXY_EXECUTOR_SECRET: 'exec-secret',
        OPR_PROXY_HEALTHCHECK_INTERVAL: '5000',
        OPR_PROXY_MAX_TIMEOUT: '60',
        OPR_PROXY_CONNECTIONS_STATE: 'redis://redis:6379',
        OPR_PROXY_ALGORITHM: 'first',
        OPR_PROXY_ENV: 'development',
        PORT: '3000',
      },
    });
    expect(config.gateway).toMatchObject({
      port: 3000,
      secret: 'from-env',
      executorSecret: 'exec-secret',
      // lib/executor-url.ts normalises to the URL's origin: the default port 80 is dropped.
      executors: ['http://exec1', 'http://exec2'],
      maxTimeout: 60_000,
      algorithm: 'first',
      env: 'development',
    });
    expect(config.gateway.healthCheck.interval).toBe(5_000);
    expect(config.registry).toMatchObject({ type: 'redis', url: 'redis://redis:6379' });
  });

  it('lets a FLEETGATE_* variable win over its OPR_PROXY_* twin', () => {
    const config = parseConfig({ env: { PORT: '80', FLEETGATE_GATEWAY_PORT: '8081' } });
    expect(config.gateway.port).toBe(8081);
  });

  it('resolves a relative policyFile against the config file, or the cwd when from the environment', () => {
    const fromFile = parseConfig({
      text: 'scaler:\n  policyFile: policy.yaml\n',
      fileName: '/etc/fg/fleetgate.yaml',
    });
    expect(fromFile.scaler.policyFile).toBe('/etc/fg/policy.yaml');
    const fromEnv = parseConfig({ env: { FLEETGATE_POLICY_FILE: 'p.yaml' }, cwd: '/srv' });
    expect(fromEnv.scaler.policyFile).toBe('/srv/p.yaml');
    const absolute = parseConfig({ text: 'scaler: { policyFile: /abs/p.yaml }', fileName: 'x/c.yaml' });
    expect(absolute.scaler.policyFile).toBe('/abs/p.yaml');
  });

  it('resolves a relative registry.tlsCaFile the same way', () => {
    const fromFile = parseConfig({
      text: 'registry:\n  tlsCaFile: certs/ca.pem\n',
      fileName: '/etc/fg/fleetgate.yaml',
    });
    expect(fromFile.registry.tlsCaFile).toBe('/etc/fg/certs/ca.pem');
    const fromEnv = parseConfig({ env: { FLEETGATE_REDIS_TLS_CA_FILE: 'ca.pem' }, cwd: '/srv' });
    expect(fromEnv.registry.tlsCaFile).toBe('/srv/ca.pem');
  });

  it('bounds the whole request by gateway.requestTimeout (300 s by default, 0 turns it off)', () => {
    expect(parseConfig({}).gateway.requestTimeout).toBe(300_000);
    expect(parseConfig({ text: 'gateway: { requestTimeout: 10m }' }).gateway.requestTimeout).toBe(600_000);
    expect(parseConfig({ text: 'gateway: { requestTimeout: 0 }' }).gateway.requestTimeout).toBe(0);
  });
});

describe('parseConfig: Redis URLs as the registry reads them', () => {
  it.each([
    ['a Cluster over TLS', 'registry: { type: redis, url: "rediss-cluster://:pw@a:7000,b:7000" }'],
    [
      'Sentinel with a rediss:// url for the master (TLS, database)',
      'registry: { type: redis, url: "rediss://r/2", sentinel: { name: m, sentinels: ["s1:26379"] } }',
    ],
  ])('accepts %s', (_name, text) => {
    expect(parseConfig({ text }).registry.type).toBe('redis');
  });

  it('refuses a Cluster url together with Sentinel', () => {
    const issues = issuesOf(() =>
      parseConfig({
        text: 'registry:\n  type: redis\n  url: redis-cluster://a:1\n  sentinel: { name: m, sentinels: [s:1] }\n',
        fileName: 'c.yaml',
      }),
    );
    expect(issues.join('\n')).toContain('registry.sentinel: cannot be combined with a Cluster url');
  });
});

describe('parseConfig: every error names the path, the value and the line', () => {
  it.each([
    [
      'unknown top-level key',
      'pool: a\ngatewy:\n  port: 1\n',
      'gatewy: unknown key (did you mean gateway?) (c.yaml:2:1)',
    ],
    [
      'unknown nested key',
      'gateway:\n  healthCheck:\n    intervl: 5s\n',
      'gateway.healthCheck.intervl: unknown key (did you mean interval?) (c.yaml:3:5)',
    ],
    ['wrong type', 'gateway:\n  port: eighty\n', 'gateway.port: must be a number, got "eighty" (c.yaml:2:9)'],
    [
      'out of range',
      'gateway:\n  port: 70000\n',
      'gateway.port: must be between 0 and 65535, got 70000 (c.yaml:2:9)',
    ],
    [
      'negative duration',
      'gateway:\n  maxTimeout: -5s\n',
      'gateway.maxTimeout: must not be negative, got "-5s" (c.yaml:2:15)',
    ],
    [
      'negative number duration',
      'registry:\n  reloadInterval: -1\n',
      'registry.reloadInterval: must be a duration ≥ 0, got -1 (c.yaml:2:19)',
    ],
    [
      'duration without unit',
      'scaler:\n  leaseTtl: "15"\n',
      'scaler.leaseTtl: must be a duration with a unit like "15s", "900ms" or "5m", got "15" (c.yaml:2:13)',
    ],
    ['bad size', 'gateway:\n  bodyLimit: 22 MB-ish\n', 'gateway.bodyLimit: must be a size like'],
    [
      'bad enum',
      'gateway:\n  algorithm: fastest\n',
      'gateway.algorithm: must be one of "random", "round-robin", "first", "last", got "fastest" (c.yaml:2:14)',
    ],
    [
      'keep-warm pin without a pattern',
      'gateway:\n  keepWarm:\n    pins:\n      - { pattern: "a-*" }\n      - alwaysWarm: true\n',
      'gateway.keepWarm.pins.1.pattern: is required (c.yaml:5:9)',
    ],
    [
      'keep-warm pin with a bad maxIdle',
      'gateway:\n  keepWarm:\n    pins:\n      - pattern: a\n        maxIdle: soon\n',
      'gateway.keepWarm.pins.0.maxIdle: must be a duration like "15s", "900ms" or "5m", got "soon" (c.yaml:5:18)',
    ],
    [
      'keep-warm pin with a bad window',
      'gateway:\n  keepWarm:\n    pins:\n      - pattern: a\n        windows: ["Mon-Fri 08:00-18:00", "Mon-Fry 08:00-09:00"]\n',
      'gateway.keepWarm.pins.0.windows.1: days "Mon-Fry" must be days (Mon, Tue, Wed, Thu, Fri, Sat, Sun) or ranges like Mon-Fri, separated by commas, got "Mon-Fry 08:00-09:00" (c.yaml:5:42)',
    ],
    [
      'keep-warm pin with a negative minWarm',
      'gateway:\n  keepWarm:\n    pins:\n      - pattern: a\n        minWarm: -1\n',
      'gateway.keepWarm.pins.0.minWarm:',
    ],
    [
      'keep-warm time scale below 1',
      'gateway:\n  keepWarm:\n    timeScale: 0\n',
      'gateway.keepWarm.timeScale: must be ≥ 1, got 0 (c.yaml:3:16)',
    ],
    [
      'load factor below 1',
      'gateway:\n  loadFactor: 0.5\n',
      'gateway.loadFactor: must be ≥ 1, got 0.5 (c.yaml:2:15)',
    ],
    [
      'bad executor entry',
      'gateway:\n  executors:\n    - ok:1\n    - "ftp://x"\n',
      'gateway.executors.1: must be host[:port] or an http(s):// URL, got "ftp://x" (c.yaml:4:7)',
    ],
    [
      // Every gateway would drop such a host: refused here by the same grammar (lib/executor-url.ts).
      'executor entry with a path',
      'gateway:\n  executors:\n    - http://exec1:3000/base\n',
      'gateway.executors.0: must not have a path (got "/base"): an executor is addressed by scheme, host and port only, got "http://exec1:3000/base" (c.yaml:3:7)',
    ],
    [
      'malformed Redis URL',
      'registry:\n  type: redis\n  url: http://redis\n',
      'registry.url: Redis URL scheme must be one of redis: rediss: redis-cluster: rediss-cluster:, got "http://redis" (c.yaml:3:8)',
    ],
    [
      'cluster URL with a bad node',
      'registry:\n  type: redis\n  url: redis-cluster://h1:1,h2:x\n',
      'registry.url: Redis URL each node must be host[:port], got "redis-cluster://h1:1,h2:x" (c.yaml:3:8)',
    ],
    [
      'redis without url',
      'registry:\n  type: redis\n',
      'registry.url: is required when type is redis (or set sentinel) (c.yaml:2:3)',
    ],
    [
      'url with memory',
      'registry:\n  url: redis://r\n',
      'registry.url: is set but type is memory; set type: redis, got "redis://r" (c.yaml:2:8)',
    ],
    [
      'sentinel without port',
      'registry:\n  type: redis\n  sentinel: { name: m, sentinels: [s1] }\n',
      'registry.sentinel.sentinels.0: must be host:port, got "s1" (c.yaml:3:36)',
    ],
    [
      'probe backoff min > max',
      'gateway:\n  healthCheck:\n    probeBackoff: { min: 1m, max: 1s }\n',
      'gateway.healthCheck.probeBackoff.min: min must not exceed max, got "1m"',
    ],
    [
      'request timeout shorter than the headers timeout',
      'gateway:\n  headersTimeout: 20s\n  requestTimeout: 5s\n',
      'gateway.requestTimeout: must be 0 or at least headersTimeout (20000 ms), got "5s" (c.yaml:3:19)',
    ],
    ['empty tlsCaFile', 'registry:\n  tlsCaFile: ""\n', 'registry.tlsCaFile: must not be empty'],
    ['section of the wrong kind', 'gateway: 5\n', 'gateway: must be a mapping, got 5 (c.yaml:1:10)'],
    ['list where a mapping belongs', 'scaler: [a]\n', 'scaler: must be a mapping, got a list (c.yaml:1:9)'],
    [
      'scalar where a list belongs',
      'gateway:\n  executors: a:1\n',
      'gateway.executors: must be a list, got "a:1" (c.yaml:2:14)',
    ],
    [
      'bad pool name',
      'pool: "a{b}"\n',
      'pool: must be 1-64 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit (it goes into Redis keys), got "a{b}" (c.yaml:1:7)',
    ],
    [
      'not a mapping',
      '- a\n- b\n',
      '(root): must be a mapping of sections (pool, log, registry, gateway, scaler, executor), got a list (c.yaml:1:1)',
    ],
  ])('%s', (_name, text, expected) => {
    const issues = issuesOf(() => parseConfig({ text, fileName: 'c.yaml' }));
    expect(issues.join('\n')).toContain(expected);
  });

  it('lists every problem, not only the first', () => {
    const error = errorOf(() =>
      parseConfig({ text: 'gateway:\n  port: -1\n  retries: -1\nscaler:\n  port: x\n', fileName: 'c.yaml' }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((i) => i.path)).toEqual(['gateway.port', 'gateway.retries', 'scaler.port']);
    expect(error.message).toMatch(/^invalid configuration \(3 problems\):\n {2}gateway\.port: /);
  });

  it.each([
    ['a bad indentation', 'gateway:\n  port: 1\n bad: 2\n', 'c.yaml:3:'],
    ['an unclosed flow sequence', 'gateway:\n  executors: [a, b\nscaler: {}\n', 'c.yaml:'],
    ['a duplicate key', 'gateway:\n  port: 1\n  port: 2\n', 'c.yaml:3:3'],
    ['a tab indentation', 'gateway:\n\tport: 1\n', 'c.yaml:2:'],
  ])('reports invalid YAML (%s) with the parser line', (_name, text, where) => {
    const error = errorOf(() => parseConfig({ text, fileName: 'c.yaml' }));
    expect(error.message).toMatch(/^invalid YAML in c\.yaml:/);
    expect(error.issues[0]?.source).toContain(where);
  });

  it.each([
    [
      'OPR_PROXY_ALGORITHM',
      'fastest',
      'gateway.algorithm: must be one of',
      'got "fastest" (from OPR_PROXY_ALGORITHM)',
    ],
    ['OPR_PROXY_ENV', 'staging', 'gateway.env: must be one of', 'got "staging" (from OPR_PROXY_ENV)'],
    ['PORT', '99999', 'gateway.port: must be between 0 and 65535', 'got 99999 (from PORT)'],
    ['PORT', 'http', 'gateway.port: must be a whole number', 'got "http" (from PORT)'],
    [
      'OPR_PROXY_EXECUTORS',
      'a:1,https://b',
      'gateway.executors: entries must be host[:port]',
      '"https://b" (from OPR_PROXY_EXECUTORS)',
    ],
    [
      'OPR_PROXY_CONNECTIONS_STATE',
      'mysql://db',
      'registry.url: Redis URL scheme must be one of redis: rediss: redis-cluster: rediss-cluster:',
      '(from OPR_PROXY_CONNECTIONS_STATE)',
    ],
    [
      'OPR_PROXY_HEALTHCHECK_INTERVAL',
      'soon',
      'gateway.healthCheck.interval: must be a duration',
      '(from OPR_PROXY_HEALTHCHECK_INTERVAL)',
    ],
    [
      'OPR_PROXY_MAX_TIMEOUT',
      '-1',
      'gateway.maxTimeout: must not be negative',
      '(from OPR_PROXY_MAX_TIMEOUT)',
    ],
    ['FLEETGATE_LOG_LEVEL', 'loud', 'log.level: must be one of', '(from FLEETGATE_LOG_LEVEL)'],
  ])('names the environment variable: %s=%j', (name, value, start, end) => {
    const issues = issuesOf(() =>
      parseConfig({ text: 'gateway:\n  port: 80\n', fileName: 'c.yaml', env: { [name]: value } }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(start);
    expect(issues[0]).toContain(end);
  });
});

describe('parseConfig: secrets never appear in errors', () => {
  const secret = 'hunter2-very-secret';
  it.each([
    ['gateway.secret of the wrong type', `gateway:\n  secret: [${secret}]\n`, {}],
    ['gateway.executorSecret empty-ish', `gateway:\n  executorSecret: {a: ${secret}}\n`, {}],
    [
      'a token of the wrong type',
      `gateway:\n  metricsToken: {t: ${secret}}\n  adminToken: [${secret}]\n`,
      {},
    ],
    ['executor.secret', `executor:\n  secret: {s: ${secret}}\n`, {}],
    ['registry.password', `registry:\n  password: [${secret}]\n`, {}],
    [
      'a sentinel with a password',
      `registry:\n  type: redis\n  url: redis-cluster://r\n  sentinel: { name: m, sentinels: [a:1], password: ${secret} }\n`,
      {},
    ],
    [
      'a password in a malformed Redis URL',
      `registry:\n  type: redis\n  url: "redis://:${secret}@h1:1,h2:2"\n`,
      {},
    ],
    ['a password in a Redis URL with memory', `registry:\n  url: "redis://:${secret}@h1:1"\n`, {}],
    // Issue 18 finding 3: the password-only form and a query password.
    [
      'a password-only Redis URL (redis://PASSWORD@host) that is malformed',
      `registry:\n  type: redis\n  url: "redis://${secret}@h1:1,h2:2"\n`,
      {},
    ],
    ['a ?password= Redis URL', `registry:\n  type: redis\n  url: "redis://h1:1/0?password=${secret}"\n`, {}],
    ['a password-only Redis URL with memory', `registry:\n  url: "redis://${secret}@h1:1"\n`, {}],
    [
      'a password in OPR_PROXY_CONNECTIONS_STATE',
      '',
      { OPR_PROXY_CONNECTIONS_STATE: `redis://:${secret}@h1/x` },
    ],
    ['an unknown key holding a secret', `gateway:\n  secrett: ${secret}\n`, {}],
    ['an invalid YAML line holding a secret', `gateway:\n  secret: ${secret}\n   bad: [\n`, {}],
  ])('%s', (_name, text, env) => {
    const error = errorOf(() => parseConfig({ text, fileName: 'c.yaml', env }));
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetgate-config-'));
    await writeFile(join(dir, 'a.yaml'), 'pool: from-a\nscaler:\n  policyFile: policy.yaml\n');
    await writeFile(join(dir, 'bad.yaml'), 'pool: ok\ngateway:\n  port: nope\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file given', async () => {
    const config = await loadConfig({ file: join(dir, 'a.yaml'), env: {} });
    expect(config.pool).toBe('from-a');
    expect(config.scaler.policyFile).toBe(join(dir, 'policy.yaml'));
  });

  it('falls back to FLEETGATE_CONFIG, relative to cwd', async () => {
    const config = await loadConfig({ env: { FLEETGATE_CONFIG: 'a.yaml' }, cwd: dir });
    expect(config.pool).toBe('from-a');
  });

  it('uses defaults and the environment when there is no file', async () => {
    expect((await loadConfig({ env: { FLEETGATE_POOL: 'p' } })).pool).toBe('p');
  });

  it('names the file and line of a bad value', async () => {
    await expect(loadConfig({ file: join(dir, 'bad.yaml'), env: {} })).rejects.toThrow(
      `gateway.port: must be a number, got "nope" (${join(dir, 'bad.yaml')}:3:9)`,
    );
  });

  it('says when the file does not exist', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(loadConfig({ file: missing, env: {} })).rejects.toMatchObject({
      code: 'CONFIG_UNREADABLE',
      message: expect.stringContaining(`cannot read ${missing}: no such file`),
    });
  });
});

describe('parseConfig: unknown keys', () => {
  it.each([
    ['gateway:\n  retrys: 3\n', 'gateway.retrys: unknown key (did you mean retries?) (c.yaml:2:3)'],
    [
      'gateway:\n  healthcheck: {}\n',
      'gateway.healthcheck: unknown key (did you mean healthCheck?) (c.yaml:2:3)',
    ],
    [
      'registry:\n  sentinel: { name: m, sentinels: [a:1], pasword: x }\n',
      'registry.sentinel.pasword: unknown key (did you mean password?)',
    ],
    ['gateway:\n  frobnicate: 3\n', 'gateway.frobnicate: unknown key (c.yaml:2:3)'],
  ])('%j', (text, expected) => {
    expect(issuesOf(() => parseConfig({ text, fileName: 'c.yaml' })).join('\n')).toContain(expected);
  });

  it('reports issues in file order', () => {
    const issues = issuesOf(() =>
      parseConfig({ text: 'gateway:\n  port: x\nregistry:\n  type: nope\npool: "{}"\n', fileName: 'c.yaml' }),
    );
    expect(issues.map((i) => i.split(':')[0])).toEqual(['gateway.port', 'registry.type', 'pool']);
  });
});
