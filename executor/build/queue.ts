import type { Clock } from '../../lib/clock.ts';
import { ExecutorError } from '../errors.ts';

/** What the queue reports as it moves; the executor turns it into metrics. */
export interface BuildQueueObserver {
  /** Builds waiting and running changed. */
  changed(waiting: number, running: number): void;
  /** A build left the queue for a worker after `waitMs`. */
  started(waitMs: number): void;
}

/** Settings of a build queue: the config's `executor.buildWorkers` and `executor.buildQueue`. */
export interface BuildQueueOptions {
  workers: number;
  /** Builds that may wait for a worker; one more is refused with 503 `build_queue_full`. */
  capacity: number;
  clock: Clock;
  observer?: BuildQueueObserver;
}

interface Waiting {
  enqueued: number;
  begin: () => void;
  reject: (error: unknown) => void;
}

/**
 * A bounded FIFO of builds run by a fixed number of workers: a burst of builds waits here instead
 * of running all at once beside the host's executions. Pure scheduling: no I/O, time from `clock`.
 */
export class BuildQueue {
  private readonly waiting: Waiting[] = [];
  private running = 0;

  constructor(private readonly options: BuildQueueOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new RangeError(`build workers must be an integer ≥ 1, got ${options.workers}`);
    if (!Number.isInteger(options.capacity) || options.capacity < 0)
      throw new RangeError(`build queue capacity must be an integer ≥ 0, got ${options.capacity}`);
  }

  /** Builds waiting for a worker. */
  get depth(): number {
    return this.waiting.length;
  }

  /** Builds a worker is running. */
  get active(): number {
    return this.running;
  }

  /**
   * Runs `job` on a worker once one is free. Throws `build_queue_full` at once when every worker is
   * busy and `capacity` builds already wait; rejects with the signal's reason if aborted while waiting.
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.slot(signal);
    try {
      return await job();
    } finally {
      this.running--;
      this.next();
      this.report();
    }
  }

  /** Throws `build_queue_full` when a build given now would be refused. */
  assertRoom(): void {
    const { workers, capacity } = this.options;
    if (this.running < workers && this.waiting.length === 0) return;
    if (this.waiting.length >= capacity) {
      throw new ExecutorError(
        'build_queue_full',
        `The build queue is full (${this.waiting.length} waiting, ${this.running} running; executor.buildQueue is ${capacity}); retry later.`,
      );
    }
  }

  private slot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const { workers, clock, observer } = this.options;
    this.assertRoom();
    if (this.running < workers && this.waiting.length === 0) {
      this.running++;
      observer?.started(0);
      this.report();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(item);
        if (i !== -1) this.waiting.splice(i, 1);
        this.report();
        reject(signal?.reason);
      };
      const item: Waiting = {
        enqueued: clock.now(),
        begin: () => {
          signal?.removeEventListener('abort', onAbort);
          observer?.started(clock.now() - item.enqueued);
          resolve();
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(item);
      this.report();
    });
  }

  private next(): void {
    while (this.running < this.options.workers && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()!.begin();
    }
  }

  private report(): void {
    this.options.observer?.changed(this.waiting.length, this.running);
  }
}
