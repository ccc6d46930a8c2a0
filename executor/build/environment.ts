import type { RuntimeSpec } from '../backend.ts';

/**
 * The environment a build command (and a command sent to a build environment) runs with, as the
 * real executor gives its runtime containers: the caller's `variables`, then the Open Runtimes
 * variables (`OPEN_RUNTIMES_HOSTNAME` is the executor's name, as there), `OPEN_RUNTIMES_OUTPUT_DIRECTORY` when one is set, `CI=true`, and
 * `OPEN_RUNTIMES_BUILD_CACHE` (the cache folder) when the build has a `cacheKey`. Pure.
 */
export function buildEnvironment(
  spec: RuntimeSpec,
  base: { PATH?: string; HOME?: string },
  extra: { executorHostname: string; outputDirectory: string; cacheDir: string | undefined },
): Record<string, string> {
  const env: Record<string, string> = {};
  if (base.PATH !== undefined) env.PATH = base.PATH;
  if (base.HOME !== undefined) env.HOME = base.HOME;
  Object.assign(env, spec.variables, {
    OPEN_RUNTIMES_SECRET: spec.key,
    OPEN_RUNTIMES_ENTRYPOINT: spec.entrypoint,
    OPEN_RUNTIMES_HOSTNAME: extra.executorHostname,
    OPEN_RUNTIMES_CPUS: String(spec.cpus),
    OPEN_RUNTIMES_MEMORY: String(spec.memoryMb),
  });
  if (extra.outputDirectory !== '') env.OPEN_RUNTIMES_OUTPUT_DIRECTORY = extra.outputDirectory;
  if (extra.cacheDir !== undefined) env.OPEN_RUNTIMES_BUILD_CACHE = extra.cacheDir;
  env.CI = 'true';
  return env;
}
