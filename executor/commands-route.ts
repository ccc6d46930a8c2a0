import { readFile, realpath } from 'node:fs/promises';
import type { Hono } from 'hono';
import type { Clock } from '../lib/clock.ts';
import { BuildEnvironment } from './build/build-environment.ts';
import { MAX_COMMAND_CHARS } from './build/read-job.ts';
import { runShell } from './build/shell.ts';
import { ExecutorError } from './errors.ts';
import { checkRuntimeId, FieldReader, readFields } from './fields.ts';
import type { RuntimeEntry, RuntimeTable } from './runtimes.ts';

/** Where a command runs: the runtime's folder and environment. */
interface CommandTarget {
  cwd: string;
  env: Record<string, string>;
}

/**
 * `POST /v1/runtimes/:runtimeId/commands` (`command`, `timeout` s, default 600): runs `bash -c
 * command` inside the runtime, as the real executor's `docker exec` does: in the runtime process's
 * working folder with its environment (a build environment: the build folder and the build's
 * environment). 200 `{output}` (stdout and stderr); 404 `runtime_not_found`; 500 `command_timeout`
 * past the timeout, 500 `command_failed` on a non-zero exit or when there is no process to run in.
 * Unlike the real route it needs the executor secret (the `/v1/*` guard): see docs/compatibility.md.
 */
export function registerCommandsRoute(app: Hono, deps: { table: RuntimeTable; clock: Clock }): void {
  app.post('/v1/runtimes/:runtimeId/commands', async (c) => {
    const id = checkRuntimeId(c.req.param('runtimeId'), 'general_argument_invalid');
    const reader = new FieldReader(
      await readFields(c, 'general_argument_invalid'),
      'general_argument_invalid',
    );
    const command = reader.string('command');
    if (command === '') throw reader.invalid('command', 'is required');
    if (command.length > MAX_COMMAND_CHARS)
      throw reader.invalid('command', `must be at most ${MAX_COMMAND_CHARS} characters`);
    if (command.includes('\0')) throw reader.invalid('command', 'must not contain a NUL character');
    const timeoutS = reader.number('timeout', 600);
    const entry = deps.table.get(id);
    if (!entry) throw new ExecutorError('runtime_not_found', 'Runtime not found');
    const target = await commandTarget(entry, deps.clock.now() + timeoutS * 1000, deps.clock);
    const result = await runShell({ command, ...target, timeoutMs: timeoutS * 1000 });
    if (result.timedOut) {
      // The real executor's messages (app/config/errors.php), with what happened after them.
      throw new ExecutorError('command_timeout', `Operation timed out. The command ran past ${timeoutS} s.`);
    }
    if (result.code !== 0) {
      const tail = result.output.slice(-4096).trim();
      throw new ExecutorError(
        'command_failed',
        `Failed to execute command. It exited with code ${result.code}.${tail === '' ? '' : `\n${tail}`}`,
      );
    }
    return c.json({ output: result.output });
  });
}

/**
 * The folder and environment of a runtime, waiting for it to start (up to `deadline`): a build
 * environment's own; a runtime process's read from /proc (its cwd and its initial environment).
 */
async function commandTarget(entry: RuntimeEntry, deadline: number, clock: Clock): Promise<CommandTarget> {
  if (!entry.instance) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ExecutorError('command_timeout', 'Timed out waiting for the runtime to start.')),
        Math.max(0, deadline - clock.now()),
      );
    });
    try {
      await Promise.race([entry.ready, timeout]);
    } catch (error) {
      if (error instanceof ExecutorError && error.type === 'command_timeout') throw error;
      throw new ExecutorError('runtime_not_found', `Runtime "${entry.spec.id}" failed to start.`);
    } finally {
      clearTimeout(timer);
    }
  }
  const instance = entry.instance;
  if (instance instanceof BuildEnvironment) return { cwd: instance.outcome.dir, env: instance.outcome.env };
  if (instance?.pid === undefined) {
    throw new ExecutorError(
      'command_failed',
      'This runtime has no process to run a command in (simulated mode).',
    );
  }
  try {
    const cwd = await realpath(`/proc/${instance.pid}/cwd`);
    const raw = await readFile(`/proc/${instance.pid}/environ`, 'utf8');
    const env: Record<string, string> = {};
    for (const pair of raw.split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { cwd, env };
  } catch (error) {
    throw new ExecutorError('command_failed', 'The runtime process is gone.', { cause: error });
  }
}
