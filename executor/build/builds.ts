import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { BUILD_OUTCOMES, ExecutorMetrics } from '../../metrics/executor.ts';
import type { RuntimeBackend, RuntimeSpec, StartContext } from '../backend.ts';
import { ExecutorError } from '../errors.ts';
import { APPEAR_POLL_MS } from '../logs-route.ts';
import type { LogLine, RuntimeTable } from '../runtimes.ts';
import { BuildEnvironment } from './build-environment.ts';
import { BuildQueue } from './queue.ts';
import { type BuildJob, runBuild } from './run-build.ts';
import type { BuildShell } from './shell.ts';

/**
 * How long a build's runtime exists at least before a failed or `remove`d build takes it away: a
 * logs request waiting for it looks every APPEAR_POLL_MS and must find it to stream its output (the
 * real executor sleeps 2 s for the same reason).
 */
const LOG_GRACE_MS = 2 * APPEAR_POLL_MS;

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
  /** Build caches; '' for `<workDir>/build-cache`. */
  buildCacheDir: string;
  maxSourceBytes: number;
  executorHostname: string;
  clock: Clock;
  logger: Logger;
  metrics: ExecutorMetrics;
  /** Where build commands run; default a child process (`runShell`). */
  shell?: BuildShell;
}

/**
 * Builds: creates with a `command` go through a bounded queue served by `workers` build workers; a
 * worker makes the build a runtime of the table (listed as starting while it runs, its output on
 * the logs stream), so conflicts, deletes, log streams and shutdown treat it like any runtime.
 */
export class Builds {
  readonly queue: BuildQueue;
  private readonly jobs = new WeakMap<RuntimeSpec, BuildJob>();

  constructor(private readonly deps: BuildsDeps) {
    // Every waiting build listens to `closing`: as many listeners as the queue holds are expected.
    setMaxListeners(deps.queueCapacity + 10, this.closing.signal);
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

  /** Ids of builds waiting for a worker: not runtimes yet, but their id is taken. */
  private readonly waiting = new Set<string>();
  /** Aborted by `close()`: builds still waiting are refused. */
  private readonly closing = new AbortController();

  /** Whether a build is running (a drain waits for these). */
  busy(): boolean {
    return this.queue.active > 0;
  }

  /** Refuses the builds still waiting for a worker (503); running ones end with their runtimes. */
  close(): void {
    this.closing.abort(new ExecutorError('general_unknown', 'Executor is shutting down.', { status: 503 }));
  }

  /**
   * Runs a build create to its end: 201 body, or throws (`build_failed`, `build_queue_full`, …).
   * A build waits in the queue before it becomes a runtime (so waiting builds take no runtime slot
   * and evict no warm runtime); a worker then creates its runtime, which is listed as starting while
   * the command runs. Log streams of the runtime end with the build; `remove` deletes it afterwards.
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
    const existing = table.get(spec.id);
    if (existing?.instance) throw new ExecutorError('runtime_conflict', 'Runtime already exists.');
    if (existing || this.waiting.has(spec.id)) {
      throw new ExecutorError(
        'runtime_conflict',
        'A runtime with the same ID is already being created. Attempt a execution soon.',
      );
    }
    try {
      this.queue.assertRoom();
    } catch (error) {
      this.deps.metrics.builds.inc({ outcome: 'rejected' });
      throw error;
    }
    const started = this.deps.clock.now();
    this.waiting.add(spec.id);
    try {
      const finished = await this.queue.run(async () => {
        this.waiting.delete(spec.id);
        const buildSpec: RuntimeSpec = { ...spec, startTimeoutMs: MAX_TIMER_MS, build: true };
        this.jobs.set(buildSpec, job);
        const entry = table.create(buildSpec);
        await entry.ready;
        // A build's log stream ends with it, as the real one ends once the runtime is initialised.
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
        return { body, entry };
      }, this.closing.signal);
      if (remove) {
        // After the worker is free: the grace costs this create time, not the queue throughput.
        await this.linger(finished.entry.created);
        await table.remove(spec.id, 'deleted');
      }
      return finished.body;
    } finally {
      this.waiting.delete(spec.id);
    }
  }

  /** Waits until LOG_GRACE_MS passed since `since`. */
  private async linger(since: number): Promise<void> {
    const left = since + LOG_GRACE_MS - this.deps.clock.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }

  private async build(spec: RuntimeSpec, job: BuildJob, context: StartContext): Promise<BuildEnvironment> {
    const { metrics, clock, logger } = this.deps;
    const began = clock.now();
    let outcome: (typeof BUILD_OUTCOMES)[number] = 'success';
    try {
      const result = await runBuild(spec, job, {
        workDir: this.deps.workDir,
        cacheRoot: this.deps.buildCacheDir || join(this.deps.workDir, 'build-cache'),
        maxSourceBytes: this.deps.maxSourceBytes,
        executorHostname: this.deps.executorHostname,
        log: context.log,
        signal: context.signal,
        ...(this.deps.shell ? { shell: this.deps.shell } : {}),
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
      // A failed build's runtime goes when this throws.
      if (outcome !== 'success') await this.linger(began);
    }
  }
}
