import { describe, expect, it } from 'vitest';
import { openRuntimesEnvironment, pickEnvironment } from './runtime-env.ts';

describe('runtime environment', () => {
  const env = {
    PATH: '/bin',
    HOME: '/home/u',
    LANG: 'C.UTF-8',
    LC_ALL: 'C',
    OTHER: 'x',
    OPR_EXECUTOR_SECRET: 'secret',
    FLEETGATE_EXECUTOR_SECRET: 'secret',
  };

  it('passes PATH, HOME and the configured names or prefixes, never FLEETGATE_* or OPR_*', () => {
    expect(pickEnvironment(env, [])).toEqual({ PATH: '/bin', HOME: '/home/u' });
    expect(pickEnvironment(env, ['LANG', 'LC_*', 'OPR_*', 'FLEETGATE_EXECUTOR_SECRET'])).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
    });
  });

  it('sets the real executor variables', () => {
    expect(
      openRuntimesEnvironment({ key: 'k', entrypoint: 'index.js', hostname: 'h', cpus: 2.5, memoryMb: 1024 }),
    ).toMatchObject({
      OPEN_RUNTIMES_SECRET: 'k',
      OPEN_RUNTIMES_ENTRYPOINT: 'index.js',
      OPEN_RUNTIMES_HOSTNAME: 'h',
      OPEN_RUNTIMES_CPUS: '2.5',
      OPEN_RUNTIMES_MEMORY: '1024',
      CI: 'true',
    });
  });
});
