import { describe, expect, it } from 'vitest';
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
    [['--secret', 's', '--mode', 'docker'], /--mode: expected process or simulated, got "docker"/],
    [['--secret', 's', '--port', 'x'], /--port: expected an integer/],
    [['--secret', 's', '--port', '70000'], /--port: expected 0-65535/],
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
    expect(c.err()).toContain('--mode: expected process or simulated');
  });
});
