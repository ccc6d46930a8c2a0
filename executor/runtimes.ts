import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ExecutorMetrics } from '../metrics/executor.ts';
import type {
  ExecutionRequest,
  ExecutionResult,
  RuntimeBackend,
  RuntimeInstance,
  RuntimeSpec,
} from './backend.ts';
import { ExecutorError } from './errors.ts';
import { logTimestamp } from './log-time.ts';

/** One line of a runtime's output, as the create response and the logs stream carry it. */
export interface LogLine {
  timestamp: string;
  content: string;
}

/** A runtime this host knows: starting (`instance` undefined) or warm. */
export interface RuntimeEntry {
  spec: RuntimeSpec;
  created: number;
  updated: number;
  startedAt: number | undefined;
  instance: RuntimeInstance | undefined;
  /** Settles when the cold start finished (rejects with the start error). */
  ready: Promise<RuntimeEntry>;
  inflight: number;
  output: LogLine[];
  /** UTF-16 code units held in `output` (content only), bounded by MAX_OUTPUT_BYTES. */
  outputSize: number;
  /** Log followers; called with `undefined` when the runtime is gone. */
  listeners: Set<(line: LogLine | undefined) => void>;
  abort: AbortController;
  /** Set once the runtime left the map. */
  gone: boolean;
}

/** Why a runtime stopped (the `reason` label of the stopped counter). */
export type StopReason = 'idle' | 'evicted' | 'deleted' | 'exited' | 'failed' | 'shutdown';

/** Dependencies of the runtime table. */
export interface RuntimeTableDeps {
  backend: RuntimeBackend;
  clock: Clock;
  logger: Logger;
  metrics: ExecutorMetrics;
  inactiveThresholdMs: number;
  maxRuntimes: number;
  /** Memory (MB) the runtimes' declared `memory` may add up to; LRU eviction keeps them under it. */
  memoryCapacityMb?: number;
}

// Output kept per runtime for the create response and late log readers: at most this many lines
// and bytes (issue 18: 1,000 "lines" of 64 KiB chunks took 300 MB), the oldest dropped first.
const MAX_OUTPUT_LINES = 1000;
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * The runtimes of one host: single-flight cold starts, executions, idle reaping, LRU eviction
 * and shutdown. Time comes from the injected clock; the caller drives `sweep()`.
 */
export class RuntimeTable {
  private readonly entries = new Map<string, RuntimeEntry>();
  private readonly mode: string;

  constructor(private readonly deps: RuntimeTableDeps) {
    this.mode = deps.backend.mode;
  }

  /** Every known runtime, starting ones included. */
  list(): RuntimeEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): RuntimeEntry | undefined {
    return this.entries.get(id);
  }

  /** Warm (started) runtimes. */
  warmCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.instance) n++;
    return n;
  }

  /** Executions in progress on any runtime. */
  inflight(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.inflight;
    return n;
  }

  /** Starts a runtime; 409 `runtime_conflict` when it exists or is starting. */
  create(spec: RuntimeSpec): RuntimeEntry {
    const existing = this.entries.get(spec.id);
    if (existing) {
      // The real executor's two messages: still starting, or already there.
      throw new ExecutorError(
        'runtime_conflict',
        existing.instance
          ? 'Runtime already exists.'
          : 'A runtime with the same ID is already being created. Attempt a execution soon.',
      );
    }
    return this.start(spec);
  }

  /**
   * The runtime `id`, cold-starting it from `spec` when absent; concurrent callers share one start.
   * Rejects with `runtime_not_found` when absent and no spec, `runtime_timeout` past `deadline`.
   */
  async acquire(id: string, spec: RuntimeSpec | undefined, deadline: number): Promise<RuntimeEntry> {
    let entry = this.entries.get(id);
    if (!entry) {
      if (!spec) {
        throw new ExecutorError(
          'runtime_not_found',
          'Runtime not found. Please start it first or provide runtime-related parameters.',
        );
      }
      entry = this.start(spec);
    }
    entry.inflight++;
    try {
      if (!entry.instance) await withDeadline(entry.ready, deadline - this.deps.clock.now(), id);
    } catch (error) {
      entry.inflight--;
      throw error;
    }
    entry.updated = this.deps.clock.now();
    return entry;
  }

  /** Runs one execution on an acquired runtime and releases it. */
  async execute(entry: RuntimeEntry, request: ExecutionRequest): Promise<ExecutionResult> {
    try {
      return await entry.instance!.execute(request);
    } finally {
      entry.inflight--;
      entry.updated = this.deps.clock.now();
    }
  }

  /** Releases an acquired runtime without executing (a create that only waited for the start). */
  release(entry: RuntimeEntry): void {
    entry.inflight--;
    entry.updated = this.deps.clock.now();
  }

  /** Stops and forgets a runtime; false when unknown. */
  async remove(id: string, reason: StopReason): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.forget(entry, reason);
    entry.abort.abort();
    // A starting runtime: its start gives up on the abort and stops its own process; wait for that.
    if (entry.instance) await entry.instance.stop();
    else await entry.ready.catch(() => {});
    return true;
  }

  /**
   * Reaps runtimes idle past the threshold and evicts down to the cap; returns the ids removed. As
   * open-runtimes/executor's maintenance tick: a runtime whose last create or execution start or end
   * lies strictly more than the threshold back is removed (from the table first, then stopped); unlike
   * it, never one with an execution in flight (the real one can remove a runtime mid-execution).
   */
  async sweep(): Promise<string[]> {
    const now = this.deps.clock.now();
    const idle = this.list().filter(
      (e) => e.instance && e.inflight === 0 && now - e.updated > this.deps.inactiveThresholdMs,
    );
    await Promise.all(idle.map((e) => this.remove(e.spec.id, 'idle')));
    const evicted = await this.evict(undefined);
    return [...idle.map((e) => e.spec.id), ...evicted];
  }

  /** Stops every runtime (and aborts starting ones). */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((e) => this.remove(e.spec.id, 'shutdown')));
  }

  /**
   * Evicts least-recently-used idle warm runtimes until one more runtime of `roomMb` fits under
   * both caps (count and memory); `roomMb` undefined checks the caps as they are (sweep).
   */
  private async evict(roomMb: number | undefined): Promise<string[]> {
    const { maxRuntimes, memoryCapacityMb = Number.POSITIVE_INFINITY } = this.deps;
    const adding = roomMb === undefined ? 0 : 1;
    let count = this.entries.size + adding;
    let memory = (roomMb ?? 0) + this.list().reduce((sum, e) => sum + e.spec.memoryMb, 0);
    if (count <= maxRuntimes && memory <= memoryCapacityMb) return [];
    const candidates = this.list()
      .filter((e) => e.instance && e.inflight === 0)
      .sort((a, b) => a.updated - b.updated);
    const victims: RuntimeEntry[] = [];
    for (const e of candidates) {
      if (count <= maxRuntimes && memory <= memoryCapacityMb) break;
      victims.push(e);
      count--;
      memory -= e.spec.memoryMb;
    }
    for (const v of victims) this.deps.logger.info({ runtimeId: v.spec.id }, 'evicting runtime (LRU)');
    await Promise.all(victims.map((v) => this.remove(v.spec.id, 'evicted')));
    return victims.map((v) => v.spec.id);
  }

  /** Runtimes still starting. */
  startingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.instance) n++;
    return n;
  }

  private start(spec: RuntimeSpec): RuntimeEntry {
    // Starting runtimes cannot be evicted: they count against the cap, and a start that would put
    // more than `maxRuntimes` of them at once is refused (issue 18: hung starts ran past the cap).
    const starting = this.startingCount();
    if (starting >= this.deps.maxRuntimes) {
      throw new ExecutorError(
        'runtime_failed',
        `Too many runtimes starting (${starting}, the limit is --max-runtimes ${this.deps.maxRuntimes}); retry later.`,
        { status: 503 },
      );
    }
    // Make room first; when every runtime is busy the caps are exceeded until the next sweep.
    void this.evict(spec.memoryMb);
    const { clock, metrics, logger } = this.deps;
    const now = clock.now();
    const abort = new AbortController();
    const entry: RuntimeEntry = {
      spec,
      created: now,
      updated: now,
      startedAt: undefined,
      instance: undefined,
      // Replaced below: the start's callbacks need the entry itself.
      ready: Promise.resolve(undefined as never),
      inflight: 0,
      output: [],
      outputSize: 0,
      listeners: new Set(),
      abort,
      gone: false,
    };
    const log = (content: string) => appendLine(entry, content, clock.now());
    metrics.startingRuntimes.inc({ mode: this.mode });
    // The start's own deadline: past it the backend gives up and kills the process, whether or not
    // a caller still waits (a create's `timeout` used to release only the caller).
    const deadline = setTimeout(() => {
      if (entry.instance || entry.gone) return;
      abort.abort(
        new ExecutorError(
          'runtime_timeout',
          `Runtime "${spec.id}" did not start within ${Math.round(spec.startTimeoutMs / 1000)} s; its process was stopped.`,
        ),
      );
    }, spec.startTimeoutMs);
    deadline.unref();
    const began = performance.now();
    entry.ready = this.deps.backend.start(spec, { signal: abort.signal, log }).then(
      async (instance) => {
        clearTimeout(deadline);
        metrics.startingRuntimes.dec({ mode: this.mode });
        if (entry.gone) {
          // Deleted (or shut down) while starting: the process did start, and stops now.
          metrics.runtimesStarted.inc({ mode: this.mode });
          metrics.runtimesStopped.inc({ reason: 'deleted' });
          await instance.stop();
          throw new ExecutorError('runtime_failed', `Runtime "${spec.id}" was removed while starting.`);
        }
        entry.instance = instance;
        entry.startedAt = clock.now();
        entry.updated = entry.startedAt;
        // A build is no cold start (its own metrics are the build_* ones).
        if (!spec.build) {
          metrics.coldStarts.inc({ outcome: 'success' });
          metrics.coldStartDuration.observe((performance.now() - began) / 1000);
          metrics.runtimesStarted.inc({ mode: this.mode });
        }
        metrics.warmRuntimes.inc({ mode: this.mode });
        metrics.runtimeMemory.inc(instance.memoryMb * 1024 * 1024);
        instance.onExit((reason) => {
          if (this.entries.get(spec.id) !== entry) return;
          logger.info({ runtimeId: spec.id, reason }, 'runtime exited');
          log(`Runtime exited: ${reason}`);
          this.forget(entry, 'exited');
        });
        logger.info({ runtimeId: spec.id, pid: instance.pid }, 'runtime started');
        return entry;
      },
      (error: unknown) => {
        clearTimeout(deadline);
        metrics.startingRuntimes.dec({ mode: this.mode });
        if (!spec.build) metrics.coldStarts.inc({ outcome: 'failed' });
        if (this.entries.get(spec.id) === entry) this.forget(entry, 'failed');
        logger.info({ runtimeId: spec.id, err: error }, 'runtime failed to start');
        throw error instanceof ExecutorError
          ? error
          : new ExecutorError('runtime_failed', `Runtime "${spec.id}" failed to start: ${String(error)}`, {
              cause: error,
            });
      },
    );
    // Waiters handle the rejection; this keeps an unobserved failure from crashing the process.
    entry.ready.catch(() => {});
    this.entries.set(spec.id, entry);
    return entry;
  }

  private forget(entry: RuntimeEntry, reason: StopReason): void {
    if (entry.gone) return;
    entry.gone = true;
    this.entries.delete(entry.spec.id);
    if (entry.instance) {
      const { metrics } = this.deps;
      metrics.warmRuntimes.dec({ mode: this.mode });
      metrics.runtimeMemory.dec(entry.instance.memoryMb * 1024 * 1024);
      metrics.runtimesStopped.inc({ reason });
      if (reason !== 'exited') this.deps.logger.info({ runtimeId: entry.spec.id, reason }, 'runtime stopped');
    }
    for (const listener of entry.listeners) listener(undefined);
    entry.listeners.clear();
  }
}

function appendLine(entry: RuntimeEntry, text: string, now: number): void {
  const content = text.length > MAX_OUTPUT_BYTES ? text.slice(0, MAX_OUTPUT_BYTES) : text;
  const line = { timestamp: logTimestamp(now), content };
  entry.output.push(line);
  entry.outputSize += content.length;
  while (entry.output.length > MAX_OUTPUT_LINES || entry.outputSize > MAX_OUTPUT_BYTES) {
    entry.outputSize -= entry.output.shift()!.content.length;
  }
  for (const listener of entry.listeners) listener(line);
}

async function withDeadline<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ExecutorError('runtime_timeout', `Timed out waiting for runtime "${id}" to start.`)),
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
