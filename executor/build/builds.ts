import { rm } from 'node:fs/promises';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ExecutorMetrics } from '../../metrics/executor.ts';
import type {
  ExecutionResult,
  RuntimeBackend,
  RuntimeInstance,
  RuntimeSpec,
  StartContext,
} from '../backend.ts';
import { ExecutorError } from '../errors.ts';
import type { LogLine, RuntimeTable } from '../runtimes.ts';
import { BuildQueue } from './queue.ts';
import { type BuildJob, type BuildOutcome, runBuild } from './run-build.ts';

/** The longest timer Node keeps (longer ones fire at once): a build's start is bounded by its job. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a successful build create answers (201), as the real executor does. */
export interface BuildResponse {
  output: LogLine[];
  startTime: number;
  duration: number;
  path?: string;
  size?: number;
}

/** Settings and dependencies of the executor's builds. */
export interface BuildsDeps {
  workers: number;
  queueCapacity: number;
  workDir: string;
  maxSourceBytes: number;
  executorHostname: string;
  clock: Clock;
  logger: Logger;
  metrics: ExecutorMetrics;
}

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

/**
 * Builds: creates with a `command` go through a bounded queue served by `workers` build workers and
 * become runtimes of the table (listed as starting while they wait and run, their output on the
 * logs stream), so conflicts, deletes, log streams and shutdown treat them like any runtime.
 */
export class Builds {
  readonly queue: BuildQueue;
  private readonly jobs = new WeakMap<RuntimeSpec, BuildJob>();

  constructor(private readonly deps: BuildsDeps) {
    const { metrics } = deps;
    this.queue = new BuildQueue({
      workers: deps.workers,
      capacity: deps.queueCapacity,
      clock: deps.clock,
      observer: {
        changed(waiting, running) {
          metrics.buildQueueDepth.set(waiting);
          metrics.buildsRunning.set(running);
        },
        started(waitMs) {
          metrics.buildQueueWait.observe(waitMs / 1000);
        },
      },
    });
  }

  /** The runtime backend with builds: a spec planned by `create` builds, any other starts `inner`. */
  backend(inner: RuntimeBackend): RuntimeBackend {
    return {
      mode: inner.mode,
      start: (spec, context) => {
        const job = this.jobs.get(spec);
        return job ? this.build(spec, job, context) : inner.start(spec, context);
      },
    };
  }

  /**
   * Runs a build create to its end: 201 body, or throws (`build_failed`, `build_queue_full`, …).
   * Log streams of the runtime end with the build; `remove` deletes the runtime afterwards.
   */
  async create(
    table: RuntimeTable,
    spec: RuntimeSpec,
    job: BuildJob,
    remove: boolean,
  ): Promise<BuildResponse> {
    if (!this.deps.workDir) {
      throw new ExecutorError(
        'build_failed',
        'Builds need a work folder (--work-dir); this executor has none.',
      );
    }
    try {
      // Refused before the runtime appears: a full queue must not leave a failed runtime behind.
      this.queue.assertRoom();
    } catch (error) {
      this.deps.metrics.builds.inc({ outcome: 'rejected' });
      throw error;
    }
    const started = this.deps.clock.now();
    const buildSpec: RuntimeSpec = { ...spec, startTimeoutMs: MAX_TIMER_MS };
    this.jobs.set(buildSpec, job);
    const entry = table.create(buildSpec);
    await entry.ready;
    // The stream of a build ends with it, as the real executor's ends once the runtime is initialised.
    for (const listener of entry.listeners) listener(undefined);
    entry.listeners.clear();
    const { outcome } = entry.instance as BuildEnvironment;
    const body: BuildResponse = {
      output: [...entry.output],
      startTime: started / 1000,
      duration: (this.deps.clock.now() - started) / 1000,
    };
    if (outcome.path !== undefined) {
      body.path = outcome.path;
      body.size = outcome.size;
    }
    if (remove) await table.remove(spec.id, 'deleted');
    return body;
  }

  private async build(spec: RuntimeSpec, job: BuildJob, context: StartContext): Promise<BuildEnvironment> {
    const { metrics, clock, logger } = this.deps;
    return this.queue.run(async () => {
      const began = clock.now();
      let outcome = 'success';
      try {
        const result = await runBuild(spec, job, {
          workDir: this.deps.workDir,
          maxSourceBytes: this.deps.maxSourceBytes,
          executorHostname: this.deps.executorHostname,
          log: context.log,
          signal: context.signal,
        });
        return new BuildEnvironment(spec, result);
      } catch (error) {
        outcome = context.signal.aborted
          ? 'cancelled'
          : ((error as { cause?: { timedOut?: boolean } }).cause?.timedOut ?? false)
            ? 'timeout'
            : 'failed';
        logger.info({ runtimeId: spec.id, outcome, err: error }, 'build failed');
        throw error;
      } finally {
        metrics.builds.inc({ outcome });
        metrics.buildDuration.observe({ outcome }, (clock.now() - began) / 1000);
      }
    }, context.signal);
  }
}
