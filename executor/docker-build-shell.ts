import type { DockerClient } from '../lib/docker/index.ts';
import type { Logger } from '../lib/logger.ts';
import { type BuildShell, MAX_OUTPUT_CHARS, type ShellResult } from './build/shell.ts';
import { dockerFailure } from './docker-errors.ts';
import { nameSafe, runtimeLabels } from './docker-labels.ts';

/** What a container build needs of the docker backend's settings. */
export interface DockerBuildShellOptions {
  client: DockerClient;
  network: string;
  labelPrefix: string;
  owner: string;
  pidsLimit: number;
  logger: Logger;
}

/**
 * Build commands in a container, as the real executor runs them: the build's runtime image,
 * `bash -c <command>`, the build's folder mounted read-write at the same path (so the folders in
 * its environment, `OPEN_RUNTIMES_BUILD_CACHE` among them, mean the same inside), the create's
 * `cpus` and `memory` and the pids limit. Output goes to the build log line by line; a timeout or
 * an abort kills the container; the container is removed whatever happened.
 */
export function createDockerBuildShell(options: DockerBuildShellOptions): BuildShell {
  const { client } = options;
  let counter = 0;
  return async (cmd, { spec, mountRoot }) => {
    // The image decides PATH and HOME; the rest is the build's environment.
    const { PATH: _path, HOME: _home, ...env } = cmd.env;
    let id: string;
    try {
      id = await client.containers.create({
        image: spec.image,
        name: `${options.labelPrefix}-build-${nameSafe(spec.id)}-${process.pid}-${++counter}`,
        cmd: ['bash', '-c', cmd.command],
        env,
        workingDir: cmd.cwd,
        binds: [{ source: mountRoot, target: mountRoot }],
        labels: runtimeLabels(options.labelPrefix, options.owner, spec.id, 'build'),
        networkMode: options.network,
        limits: { memoryBytes: spec.memoryMb * 1024 * 1024, cpus: spec.cpus, pids: options.pidsLimit },
      });
    } catch (error) {
      throw dockerFailure(error, spec.image);
    }
    let output = '';
    let partial = '';
    const emit = (line: string) => {
      if (line.trim() !== '') cmd.onLine?.(line.length > 8192 ? `${line.slice(0, 8192)}… (line cut)` : line);
    };
    const follow = new AbortController();
    let timedOut = false;
    let aborted = false;
    const kill = () => void client.containers.kill(id).catch(() => {});
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, cmd.timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    cmd.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.containers.start(id);
      const following = client.containers
        .followLogs(
          id,
          (_stream, data) => {
            const text = data.toString('utf8');
            output += text;
            if (output.length > 2 * MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
            const lines = (partial + text).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) emit(line);
          },
          { signal: follow.signal },
        )
        .catch(() => {});
      const { exitCode } = await client.containers.wait(id);
      // The log stream ends with the container; wait for its last bytes.
      await following;
      emit(partial);
      const result: ShellResult = {
        code: exitCode,
        timedOut,
        aborted,
        output: output.slice(-MAX_OUTPUT_CHARS),
      };
      return result;
    } catch (error) {
      throw dockerFailure(error, spec.image);
    } finally {
      clearTimeout(timer);
      cmd.signal?.removeEventListener('abort', onAbort);
      follow.abort();
      await client.containers.remove(id, { force: true }).catch((error: unknown) => {
        options.logger.warn({ err: error, container: id.slice(0, 12) }, 'could not remove a build container');
      });
    }
  };
}
