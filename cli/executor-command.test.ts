import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_MAPPINGS } from '../config/env.ts';
import { parseConfig } from '../config/load.ts';
import { executorSchema } from '../config/schema/executor.ts';
import { captureIO as capture } from '../test/cli/capture.ts';
import { executorOptionsFromArgs, parseDurationMs } from './executor-command.ts';
import { main } from './main.ts';

describe('fleetgate executor arguments', () => {
  it('reads every option', () => {
    const parsed = executorOptionsFromArgs(
      [
        '--port',
        '8080',
        '--secret',
        's',
        '--mode',
        'simulated',
        '--hostname',
        'h1',
        '--bind',
        '0.0.0.0',
        '--runtime-command',
        'python*=python3 server.py',
        '--source-root',
        '/srv',
        '--inactive-threshold',
        '2s',
        '--maintenance-interval',
        '500ms',
        '--max-runtimes',
        '3',
        '--drain-timeout',
        '1m',
        '--legacy-health',
        '--sim-cold-start',
        'uniform:10:20',
        '--sim-execution',
        '5',
        '--sim-concurrency',
        '2',
        '--sim-memory',
        '1024',
        '--seed',
        '9',
      ],
      {},
    );
    expect(parsed).toMatchObject({
      help: false,
      options: {
        port: 8080,
        secret: 's',
        mode: 'simulated',
        hostname: 'h1',
        bind: '0.0.0.0',
        runtimeCommands: [{ pattern: 'python*', command: 'python3 server.py' }],
        sourceRoot: '/srv',
        inactiveThresholdMs: 2000,
        maintenanceIntervalMs: 500,
        maxRuntimes: 3,
        drainTimeoutMs: 60_000,
        legacyHealth: true,
        simulated: {
          coldStart: { kind: 'uniform', minMs: 10, maxMs: 20 },
          execution: { kind: 'fixed', ms: 5 },
          concurrency: 2,
          memoryMb: 1024,
          seed: 9,
        },
      },
    });
  });

  it('takes the secret and port from the environment', () => {
    const parsed = executorOptionsFromArgs([], { OPR_EXECUTOR_SECRET: 'env-secret', PORT: '3000' });
    expect(parsed).toMatchObject({ options: { secret: 'env-secret', port: 3000, mode: 'process' } });
  });

  it('reads the build workers and queue from flags, else FLEETGATE_EXECUTOR_BUILD_*', () => {
    const env = { FLEETGATE_EXECUTOR_BUILD_WORKERS: '3', FLEETGATE_EXECUTOR_BUILD_QUEUE: '7' };
    expect(executorOptionsFromArgs(['--secret', 's'], env)).toMatchObject({
      options: { buildWorkers: 3, buildQueue: 7 },
    });
    expect(
      executorOptionsFromArgs(['--secret', 's', '--build-workers', '1', '--build-queue', '0'], env),
    ).toMatchObject({ options: { buildWorkers: 1, buildQueue: 0 } });
  });

  it.each([
    [['--secret', 's', '--build-workers', '0'], /--build-workers: expected an integer ≥ 1/],
    [['--secret', 's', '--build-queue', '1.5'], /--build-queue: expected an integer ≥ 0/],
    [['--port', '1'], /--secret is required/],
    [
      ['--secret', 's', '--mode', 'kubernetes'],
      /--mode: expected process, docker or simulated, got "kubernetes"/,
    ],
    [['--secret', 's', '--port', 'x'], /--port: expected a whole number from 0 to 65535, got "x"/],
    [['--secret', 's', '--port', '70000'], /--port: expected a whole number from 0 to 65535, got "70000"/],
    [['--secret', 's', '--inactive-threshold', 'soon'], /--inactive-threshold: expected a duration/],
    [['--secret', 's', '--runtime-command', 'nocommand'], /--runtime-command: expected PATTERN=COMMAND/],
    [['--secret', 's', '--sim-cold-start', 'gamma:1'], /--sim-cold-start: invalid distribution/],
    [['--secret', 's', '--max-runtimes', '0'], /--max-runtimes: expected an integer ≥ 1/],
    [['--secret', 's', '--nope'], /Unknown option '--nope'/],
    [['--secret', 's', 'extra'], /unexpected argument "extra"/],
  ])('rejects %j', (argv, message) => {
    expect(() => executorOptionsFromArgs(argv, {})).toThrow(message);
  });

  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5', 1500],
    ['1m', 60_000],
  ])('parses the duration %s', (text, ms) => {
    expect(parseDurationMs(text, 'x')).toBe(ms);
  });

  it('prints help with --help and exits 0', async () => {
    const c = capture();
    expect(await main(['executor', '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: fleetgate executor');
    expect(c.out()).toContain('--runtime-command');
  });

  it('exits 2 with the usage error on stderr', async () => {
    const c = capture();
    expect(await main(['executor', '--mode', 'x', '--secret', 's'], c.io)).toBe(2);
    expect(c.err()).toContain('--mode: expected process, docker or simulated');
  });
});

describe('fleetgate executor configuration', () => {
  const fromYaml = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const text = `executor:\n${yaml.trimStart().startsWith('secret:') ? '' : '  secret: s\n'}${yaml}`;
    return executorOptionsFromArgs([], env, parseConfig({ text, env }).executor);
  };
  const defaults = fromYaml('');

  // One sample per field of the `executor` section: the YAML, and what it sets in the options.
  const FIELDS: Record<string, [string, Record<string, unknown>]> = {
    host: ['host: 0.0.0.0', { bind: '0.0.0.0' }],
    port: ['port: 4321', { port: 4321 }],
    secret: ['secret: from-file', { secret: 'from-file' }],
    mode: ['mode: simulated', { mode: 'simulated' }],
    runtimeCommands: [
      'runtimeCommands: ["py*=python3 {runtimeServer}"]',
      { runtimeCommands: [{ pattern: 'py*', command: 'python3 {runtimeServer}' }] },
    ],
    runtimeEnv: ['runtimeEnv: [LANG, "LC_*"]', { runtimeEnv: ['LANG', 'LC_*'] }],
    runtimeVersions: ['runtimeVersions: [v2, v5]', { runtimeVersions: ['v2', 'v5'] }],
    hostname: ['hostname: exec-a', { hostname: 'exec-a' }],
    sourceRoot: ['sourceRoot: /srv/functions', { sourceRoot: '/srv/functions' }],
    workDir: ['workDir: /var/tmp/fg', { workDir: '/var/tmp/fg' }],
    buildCacheDir: ['buildCacheDir: /srv/cache', { buildCacheDir: '/srv/cache' }],
    inactiveThreshold: ['inactiveThreshold: 2m', { inactiveThresholdMs: 120_000 }],
    maintenanceInterval: ['maintenanceInterval: 3s', { maintenanceIntervalMs: 3000 }],
    maxRuntimes: ['maxRuntimes: 7', { maxRuntimes: 7 }],
    drainTimeout: ['drainTimeout: 4s', { drainTimeoutMs: 4000 }],
    executionGrace: ['executionGrace: 1s', { executionGraceMs: 1000 }],
    legacyHealth: ['legacyHealth: true', { legacyHealth: true }],
    bodyLimit: ['bodyLimit: 1MiB', { bodyLimitBytes: 1024 * 1024 }],
    maxSourceSize: ['maxSourceSize: 2MiB', { maxSourceBytes: 2 * 1024 * 1024 }],
    buildWorkers: ['buildWorkers: 5', { buildWorkers: 5 }],
    buildQueue: ['buildQueue: 9', { buildQueue: 9 }],
    simulated: [
      'simulated: { coldStart: "uniform:1:2", execution: "3", concurrency: 2, memory: 99, seed: 5 }',
      {
        simulated: {
          coldStart: { kind: 'uniform', minMs: 1, maxMs: 2 },
          execution: { kind: 'fixed', ms: 3 },
          concurrency: 2,
          memoryMb: 99,
          seed: 5,
        },
      },
    ],
    docker: [
      'docker: { socket: /run/d.sock, network: fg-net, runtimePort: 8000, labelPrefix: acme.fg, owner: "exec-1", pidsLimit: 64 }',
      {
        docker: {
          socket: '/run/d.sock',
          network: 'fg-net',
          runtimePort: 8000,
          labelPrefix: 'acme.fg',
          owner: 'exec-1',
          pidsLimit: 64,
        },
      },
    ],
  };

  it('has a sample for every field of the executor section', () => {
    expect(Object.keys(FIELDS).sort()).toEqual(Object.keys(executorSchema.unwrap().shape).sort());
  });

  it.each(Object.entries(FIELDS))('reads executor.%s from the file', (_field, [yaml, expected]) => {
    const parsed = fromYaml(`  ${yaml}\n`);
    expect(parsed).toMatchObject({ options: expected });
    expect(defaults).not.toMatchObject({ options: expected });
  });

  // One sample per variable that sets an executor field: its text, and what it sets.
  const VARIABLES: Record<string, [string, Record<string, unknown>]> = {
    OPR_EXECUTOR_SECRET: ['opr-secret', { secret: 'opr-secret' }],
    OPR_EXECUTOR_INACTIVE_THRESHOLD: ['90', { inactiveThresholdMs: 90_000 }],
    OPR_EXECUTOR_MAINTENANCE_INTERVAL: ['30', { maintenanceIntervalMs: 30_000 }],
    OPR_EXECUTOR_RUNTIME_VERSIONS: ['v2,v5', { runtimeVersions: ['v2', 'v5'] }],
    FLEETGATE_EXECUTOR_HOST: ['0.0.0.0', { bind: '0.0.0.0' }],
    FLEETGATE_EXECUTOR_PORT: ['4321', { port: 4321 }],
    FLEETGATE_EXECUTOR_SECRET: ['fg-secret', { secret: 'fg-secret' }],
    FLEETGATE_EXECUTOR_MODE: ['simulated', { mode: 'simulated' }],
    FLEETGATE_EXECUTOR_HOSTNAME: ['exec-b', { hostname: 'exec-b' }],
    FLEETGATE_EXECUTOR_SOURCE_ROOT: ['/srv/b', { sourceRoot: '/srv/b' }],
    FLEETGATE_EXECUTOR_WORK_DIR: ['/var/tmp/b', { workDir: '/var/tmp/b' }],
    FLEETGATE_EXECUTOR_BUILD_CACHE_DIR: ['/srv/c', { buildCacheDir: '/srv/c' }],
    FLEETGATE_EXECUTOR_INACTIVE_THRESHOLD: ['5m', { inactiveThresholdMs: 300_000 }],
    FLEETGATE_EXECUTOR_MAINTENANCE_INTERVAL: ['2s', { maintenanceIntervalMs: 2000 }],
    FLEETGATE_EXECUTOR_MAX_RUNTIMES: ['3', { maxRuntimes: 3 }],
    FLEETGATE_EXECUTOR_DRAIN_TIMEOUT: ['9s', { drainTimeoutMs: 9000 }],
    FLEETGATE_EXECUTOR_EXECUTION_GRACE: ['250ms', { executionGraceMs: 250 }],
    FLEETGATE_EXECUTOR_LEGACY_HEALTH: ['true', { legacyHealth: true }],
    FLEETGATE_EXECUTOR_BODY_LIMIT: ['1MiB', { bodyLimitBytes: 1024 * 1024 }],
    FLEETGATE_EXECUTOR_MAX_SOURCE_SIZE: ['3MiB', { maxSourceBytes: 3 * 1024 * 1024 }],
    FLEETGATE_EXECUTOR_RUNTIME_ENV: ['LANG,TZ', { runtimeEnv: ['LANG', 'TZ'] }],
    FLEETGATE_EXECUTOR_RUNTIME_VERSIONS: ['v4', { runtimeVersions: ['v4'] }],
    FLEETGATE_EXECUTOR_BUILD_WORKERS: ['6', { buildWorkers: 6 }],
    FLEETGATE_EXECUTOR_BUILD_QUEUE: ['11', { buildQueue: 11 }],
    FLEETGATE_EXECUTOR_DOCKER_SOCKET: [
      '/run/x.sock',
      { docker: expect.objectContaining({ socket: '/run/x.sock' }) },
    ],
    FLEETGATE_EXECUTOR_DOCKER_NETWORK: ['fg-net', { docker: expect.objectContaining({ network: 'fg-net' }) }],
    FLEETGATE_EXECUTOR_DOCKER_OWNER: ['exec-7', { docker: expect.objectContaining({ owner: 'exec-7' }) }],
  };

  it('has a sample for every variable of the executor section', () => {
    const names = ENV_MAPPINGS.filter((m) => m.path[0] === 'executor').map((m) => m.env);
    expect(Object.keys(VARIABLES).sort()).toEqual(names.sort());
  });

  it.each(Object.entries(VARIABLES))('reads %s', (name, [text, expected]) => {
    const env = { [name]: text, ...(name.endsWith('SECRET') ? {} : { OPR_EXECUTOR_SECRET: 's' }) };
    const parsed = executorOptionsFromArgs([], env, parseConfig({ env }).executor);
    expect(parsed).toMatchObject({ options: expected });
    expect(defaults).not.toMatchObject({ options: expected });
  });

  it('lets FLEETGATE_EXECUTOR_* win over OPR_EXECUTOR_*, and flags over both', () => {
    const env = { OPR_EXECUTOR_SECRET: 'opr', FLEETGATE_EXECUTOR_SECRET: 'fg', PORT: '1111' };
    const config = parseConfig({ env }).executor;
    expect(executorOptionsFromArgs([], env, config)).toMatchObject({ options: { secret: 'fg', port: 1111 } });
    expect(executorOptionsFromArgs(['--secret', 'flag', '--port', '2222'], env, config)).toMatchObject({
      options: { secret: 'flag', port: 2222 },
    });
  });

  it('names the field and line of a bad value in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-executor-config-'));
    try {
      const file = join(dir, 'fleetgate.yaml');
      writeFileSync(file, 'executor:\n  secret: s\n  maxRuntimes: none\n');
      const c = capture();
      expect(await main(['executor', '--config', file], c.io)).not.toBe(0);
      expect(c.err()).toMatch(/executor\.maxRuntimes/);
      expect(c.err()).toMatch(/fleetgate\.yaml:3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
