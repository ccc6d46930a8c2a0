import { rm } from 'node:fs/promises';
import type { ExecutionResult, RuntimeInstance, RuntimeSpec } from '../backend.ts';
import { ExecutorError } from '../errors.ts';
import type { BuildOutcome } from './run-build.ts';

/**
 * A finished build kept as a runtime until it is removed or reaped: it has no server (executions
 * are refused), but its folder and environment take commands (`POST …/commands`).
 */
export class BuildEnvironment implements RuntimeInstance {
  readonly pid = undefined;
  readonly memoryMb: number;
  constructor(
    private readonly spec: RuntimeSpec,
    readonly outcome: BuildOutcome,
  ) {
    this.memoryMb = spec.memoryMb;
  }
  async execute(): Promise<ExecutionResult> {
    throw new ExecutorError(
      'runtime_failed',
      `Runtime "${this.spec.id}" is a build environment and has no server: create a runtime with its package ("path") as "source" to execute it.`,
    );
  }
  async stop(): Promise<void> {
    await rm(this.outcome.root, { recursive: true, force: true }).catch(() => {});
  }
  onExit(): void {}
}
